// Same origin: no CORS, no proxy settings in the frontend.
fetch("/api/hello")
  .then((r) => r.json())
  .then((j) => { document.getElementById("api").textContent = j.message; });
