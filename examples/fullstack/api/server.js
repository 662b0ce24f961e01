// The API: JSON under /api, on the port devserver passes in PORT.
const http = require("http");
const server = http.createServer((req, res) => {
  if (req.url === "/api/health") {
    res.writeHead(200).end("ok\n");
    return;
  }
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ message: "hello from the API", path: req.url }) + "\n");
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
