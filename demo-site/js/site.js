// The demo's own page script: the region picker, the consent banner, product views and the cart.
// It talks to Tailor only through public interfaces: tailor.push, tailor:consent events.
(function () {
  "use strict";
  var tailor = window.tailor;

  // Region picker (footer): stands in for the region a real server or edge would detect.
  var region = document.getElementById("region");
  if (region) {
    try {
      region.value = localStorage.getItem("demo-region") || "";
    } catch (e) {
      region.disabled = true;
    }
    region.addEventListener("change", function () {
      try {
        if (region.value) localStorage.setItem("demo-region", region.value);
        else localStorage.removeItem("demo-region");
      } catch (e) {
        return;
      }
      location.reload();
    });
  }

  // Consent banner: shown until the visitor has made a choice; Tailor remembers the choice.
  var banner = document.getElementById("consent");
  function choose(personalization, sync) {
    document.dispatchEvent(new CustomEvent("tailor:consent", {
      detail: { personalization: personalization, sync: sync },
    }));
    if (banner) banner.hidden = true;
  }
  if (banner) {
    document.getElementById("consent-all").addEventListener("click", function () { choose(true, true); });
    document.getElementById("consent-device").addEventListener("click", function () { choose(true, false); });
    document.getElementById("consent-none").addEventListener("click", function () { choose(false, false); });
    tailor.push(function (t) {
      var kept = t.profile();
      banner.hidden = !kept || kept.consent.personalization !== "unset";
    });
  }

  // The "about you" form: Tailor reads it on submit (data-tailor-capture); the page stays put,
  // so the answers never travel in a URL.
  // Once answered, the card shows "Hi Yuki (cat) — change your answers"; the button reopens the
  // form with the answers Tailor keeps on this device.
  var about = document.getElementById("about-you");
  var card = document.getElementById("about");
  if (about) {
    about.addEventListener("submit", function (e) {
      e.preventDefault();
      var saved = document.getElementById("about-saved");
      if (saved) saved.hidden = false;
      if (card) card.classList.remove("editing");
    });
  }
  var change = document.getElementById("about-change");
  if (change && about && card) {
    change.addEventListener("click", function () {
      var t = window.tailor;
      var kept = t.profile && t.profile();
      var profile = (kept && kept.profile) || {};
      about.elements.name.value = profile.name || "";
      about.elements.pet.value = (profile.pet && profile.pet.value) || "";
      card.classList.add("editing");
      about.elements.name.focus();
    });
  }

  // A product page counts a product view (journey stage: interest, then consideration).
  if (document.body.hasAttribute("data-product")) tailor.push(["track", "product_view"]);

  // A mock cart, kept for this tab only.
  function cartCount() {
    try {
      return parseInt(sessionStorage.getItem("demo-cart"), 10) || 0;
    } catch (e) {
      return 0;
    }
  }
  function showCart() {
    var count = document.getElementById("cart-count");
    if (count) count.textContent = String(cartCount());
  }
  showCart();
  document.addEventListener("click", function (e) {
    var add = e.target.closest && e.target.closest("[data-tailor-event=add_to_cart]");
    if (!add) return;
    try {
      sessionStorage.setItem("demo-cart", String(cartCount() + 1));
    } catch (err) {
      /* no storage: the mock cart stays empty */
    }
    showCart();
    var added = document.getElementById("added");
    if (added) added.hidden = false;
  });
})();
