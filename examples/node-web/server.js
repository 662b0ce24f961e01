// The Node recipe: no dependencies; devserver passes the port in PORT.
const http = require("http");
const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end(`Node says hello (NODE_ENV=${process.env.NODE_ENV})\n`);
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
