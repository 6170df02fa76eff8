// Downloads an export from the dashboard while showing its progress: the
// bytes received against the length the server announced (workbooks), or
// the rows received so far (CSV, which is streamed as it is read). Without
// this script the links download the same files directly.
(function () {
  "use strict";
  var status = document.getElementById("export-status");
  var bar = document.getElementById("export-progress");
  if (!status || !bar || !window.fetch || !window.ReadableStream) {
    return;
  }
  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }
  function fileName(response, fallback) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : fallback;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.export");
    if (!link) {
      return;
    }
    event.preventDefault();
    bar.hidden = false;
    bar.removeAttribute("value");
    status.textContent = status.dataset.working;
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      var total = Number(response.headers.get("Content-Length")) || 0;
      var reader = response.body.getReader();
      var chunks = [];
      var received = 0;
      var rows = 0;
      function pump() {
        return reader.read().then(function (part) {
          if (part.done) {
            return;
          }
          chunks.push(part.value);
          received += part.value.length;
          if (total) {
            bar.max = total;
            bar.value = received;
          } else {
            for (var i = 0; i < part.value.length; i++) {
              if (part.value[i] === 10) {
                rows++;
              }
            }
            status.textContent = status.dataset.rows.replace("{n}", String(Math.max(rows - 1, 0)));
          }
          return pump();
        });
      }
      return pump().then(function () {
        save(new Blob(chunks, { type: response.headers.get("Content-Type") || "" }), fileName(response, "export"));
        bar.hidden = true;
        status.textContent = status.dataset.done;
      });
    }).catch(function () {
      bar.hidden = true;
      status.textContent = status.dataset.failed;
    });
  });
})();
