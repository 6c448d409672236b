// ImagePortal progressive enhancement. Every page works without this file.
(function () {
  "use strict";

  // Confirm destructive actions.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // Upload with a progress bar: the same multipart form, sent with XHR so progress can be shown.
  function enhanceUpload(form) {
    var bar = document.getElementById(form.getAttribute("data-progress"));
    var status = form.querySelector("[role=status]");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !bar) { return; }
      event.preventDefault();
      var data = new FormData(form);
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("X-Portal-Upload", "1");
      bar.hidden = false;
      bar.value = 0;
      form.querySelectorAll("button, input, select").forEach(function (el) { el.disabled = true; });
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          if (status) { status.textContent = "Uploading… " + bar.value + "%"; }
        }
      });
      request.addEventListener("load", function () {
        if (request.status === 200) {
          try {
            window.location.assign(JSON.parse(request.responseText).location);
            return;
          } catch (e) { /* fall through to the error text */ }
        }
        var doc = new DOMParser().parseFromString(request.responseText, "text/html");
        var message = doc.querySelector(".error-message");
        if (status) { status.textContent = (message ? message.textContent : "The upload failed (" + request.status + ").") + " Nothing was stored."; }
        form.querySelectorAll("button, input, select").forEach(function (el) { el.disabled = false; });
        bar.hidden = true;
      });
      request.addEventListener("error", function () {
        if (status) { status.textContent = "The connection failed during the upload; nothing was stored."; }
        form.querySelectorAll("button, input, select").forEach(function (el) { el.disabled = false; });
      });
      request.send(data);
    });
  }
  document.querySelectorAll("form[data-progress]").forEach(enhanceUpload);

  // Pages of running tasks refresh themselves.
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    setTimeout(function () { window.location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh") || 2));
  }
})();
