// The frontend's server: the files of web/public, on the port devserver
// passes in PORT. A dev server such as Vite takes its place in a real
// project.
const fs = require("fs");
const http = require("http");
const path = require("path");
const root = path.join(__dirname, "public");
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };
const server = http.createServer((req, res) => {
  const name = req.url === "/" ? "index.html" : path.normalize(req.url.split("?")[0]).replace(/^[/\\.]+/, "");
  fs.readFile(path.join(root, name), (err, data) => {
    if (err) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "Content-Type": types[path.extname(name)] || "application/octet-stream" }).end(data);
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
