package reload

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// procSys is a tree on Windows: the command (through cmd.exe) in a Job
// Object that devserver alone holds, with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE:
// when devserver ends in any way, Task Manager included, Windows closes the
// handle and ends every process in the job. The command is started
// suspended and assigned to the job before it runs, so that nothing it
// starts is outside the job. No guard process is needed.
type procSys struct {
	cmd    *exec.Cmd
	job    windows.Handle
	waited chan struct{} // closed when cmd.Wait has returned
	stdin  *os.File      // write end of the command's stdin (see spawn); nil for a build
}

// pid is the tree's id as the log shows it: the command's process id,
// which also names its console process group.
func (p *procSys) pid() int { return p.cmd.Process.Pid }

// signal sends CTRL_BREAK_EVENT to the command's console process group for
// any stop signal (the nearest thing to SIGTERM that console programs such
// as node, python and Go handle), and ends the whole job for SIGKILL.
func (p *procSys) signal(sig syscall.Signal) error {
	if sig == syscall.SIGKILL {
		return windows.TerminateJobObject(p.job, 1)
	}
	return windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(p.cmd.Process.Pid))
}

// jobAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION.
type jobAccounting struct {
	TotalUserTime, TotalKernelTime, ThisPeriodTotalUserTime, ThisPeriodTotalKernelTime int64
	TotalPageFaultCount, TotalProcesses, ActiveProcesses, TotalTerminatedProcesses     uint32
}

// alive reports whether any process of the job runs.
func (p *procSys) alive() bool {
	var info jobAccounting
	err := windows.QueryInformationJobObject(p.job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil)
	return err != nil || info.ActiveProcesses > 0
}

// gone is alive's opposite: the job's count is one cheap call.
func (p *procSys) gone() bool { return !p.alive() }

// release ends whatever is left of the job, waits up to d for the command
// to be reaped (spawn's goroutine waits for it), and closes the job.
func (p *procSys) release(d time.Duration) error {
	_ = windows.TerminateJobObject(p.job, 1)
	if p.stdin != nil {
		p.stdin.Close()
	}
	var err error
	select {
	case <-p.waited:
	case <-time.After(d):
		err = fmt.Errorf("pid %d did not end", p.cmd.Process.Pid)
	}
	windows.CloseHandle(p.job)
	return err
}

// otherPorts finds nothing on Windows: the owner of a port needs
// GetExtendedTcpTable.
func (p *process) otherPorts(int) []int { return nil }

// heldByOther names no holder on Windows: finding a port's owner needs
// GetExtendedTcpTable, and the readiness check already proxies only to
// the port the app was given.
func (p *process) heldByOther(string) string { return "" }

// newJob makes a Job Object whose processes all end when it is closed.
func newJob() (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, fmt.Errorf("create job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, fmt.Errorf("set job object limits: %w", err)
	}
	return job, nil
}

// resume starts the threads of a process created suspended.
func resume(pid int) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != uint32(pid) {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return err
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return err
		}
		resumed++
	}
	if resumed == 0 {
		return fmt.Errorf("no thread of pid %d to resume", pid)
	}
	return nil
}

// spawn starts the command through cmd.exe in a Job Object of its own and
// a console process group of its own, with $PORT put in (cmd.exe knows
// only %PORT%). Its output goes to the supervisor's writers and to out.
func (s *Supervisor) spawn(command string, env []string, out *tail, stdin bool) (*process, error) {
	job, err := newJob()
	if err != nil {
		return nil, err
	}
	c := exec.Command("cmd.exe")
	c.Dir, c.Env = s.opts.Dir, env
	var stdinR, stdinW *os.File
	if stdin { // a pipe devserver never writes, closed with the tree (see tree_unix.go)
		if stdinR, stdinW, err = os.Pipe(); err != nil {
			windows.CloseHandle(job)
			return nil, err
		}
		c.Stdin = stdinR
	}
	c.Stdout, c.Stderr = io.MultiWriter(s.opts.Stdout, out), io.MultiWriter(s.opts.Stderr, out)
	// cmd /S /C "…": the command line as the user wrote it, quotes and all.
	c.SysProcAttr = &syscall.SysProcAttr{
		CmdLine:       `cmd.exe /S /C "` + expandPort(command, env) + `"`,
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED,
	}
	// Grandchildren may hold the output pipes after the command exits.
	c.WaitDelay = time.Second
	err = c.Start()
	if stdinR != nil {
		stdinR.Close()
	}
	if err != nil {
		windows.CloseHandle(job)
		if stdinW != nil {
			stdinW.Close()
		}
		return nil, fmt.Errorf("could not run %q: %w", command, err)
	}
	p := &process{procSys: procSys{cmd: c, job: job, waited: make(chan struct{}), stdin: stdinW}, output: out, exited: make(chan struct{})}
	go func() { // owns the wait for the command itself
		defer close(p.waited)
		defer close(p.exited)
		_ = c.Wait()
		if c.ProcessState != nil {
			p.setCode(c.ProcessState.ExitCode())
		}
	}()
	if err := intoJob(job, c.Process.Pid); err != nil {
		_ = c.Process.Kill()
		_ = p.release(5 * time.Second)
		return nil, fmt.Errorf("could not run %q: %w", command, err)
	}
	return p, nil
}

// intoJob puts the suspended process pid into job, then lets it run: it
// cannot start a child outside the job.
func intoJob(job windows.Handle, pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return err
	}
	err = windows.AssignProcessToJobObject(job, h)
	windows.CloseHandle(h)
	if err != nil {
		return fmt.Errorf("assign to job object: %w", err)
	}
	return resume(pid)
}

// GuardMain refuses to run: Windows needs no guard (a Job Object does its
// work). It returns the process exit code.
func GuardMain([]string) int { return 2 }
