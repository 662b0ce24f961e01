// A worker that needs the API: devserver starts it once the API is ready.
console.log("worker ready");
setInterval(() => {}, 1 << 30);
process.on("SIGTERM", () => process.exit(0));
