// Demo only: the coarse region hint Tailor reads from <meta name="tailor:geo" content="JP-01">.
// A real site's server or edge (a CDN's region header, say) writes that meta tag into the HTML;
// `tailor serve` only serves static files, so this tiny script writes it from the region the
// visitor picked in the footer. It must run in <head> before the Tailor loader.
(function () {
  var region = null;
  try {
    region = localStorage.getItem("demo-region");
  } catch (e) {
    /* storage blocked: no hint, Tailor falls back to the time zone */
  }
  if (region && /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(region)) {
    var meta = document.createElement("meta");
    meta.name = "tailor:geo";
    meta.content = region;
    document.head.appendChild(meta);
  }
  // Calls made before Tailor has loaded are queued here and replayed once it starts.
  window.tailor = window.tailor || [];
})();
