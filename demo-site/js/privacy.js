// The privacy center: what Tailor keeps on this device, export to a file, forget, consent.
(function () {
  "use strict";
  var view = document.getElementById("stored");
  var personalization = document.getElementById("allow-personalization");
  var sync = document.getElementById("allow-sync");
  var status = document.getElementById("privacy-status");

  window.tailor.push(function (t) {
    function render() {
      var kept = t.profile();
      view.textContent = kept ? JSON.stringify(kept, null, 2) : "Tailor is not running on this page.";
      var state = t.consent();
      if (state) {
        personalization.checked = state.personalization;
        sync.checked = state.sync;
      }
    }
    render();
    ["tailor:consentchange", "tailor:forget"].forEach(function (name) {
      document.addEventListener(name, render);
    });

    document.getElementById("export").addEventListener("click", function () {
      var blob = new Blob([JSON.stringify(t.profile(), null, 2)], { type: "application/json" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "pawsome-pets-my-data.json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      status.textContent = "Exported to pawsome-pets-my-data.json.";
    });
    document.getElementById("forget").addEventListener("click", function () {
      t.forget();
      render();
      status.textContent = "Forgotten: this device no longer keeps a profile of you.";
    });
    personalization.addEventListener("change", function () {
      t.consent({ personalization: personalization.checked });
      render();
    });
    sync.addEventListener("change", function () {
      t.consent({ sync: sync.checked });
      render();
    });
  });
})();
