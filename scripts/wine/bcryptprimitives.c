/* bcryptprimitives.dll for Wine 8: Go 1.26's runtime on Windows takes its
   random bytes from ProcessPrng, which Wine 8 lacks; this fills them with
   RtlGenRandom (SystemFunction036), which it has. Used by test-windows only. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
