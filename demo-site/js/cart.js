// Mock checkout: the "Place order" button carries data-tailor-event="purchase" (Tailor counts it
// as a conversion for every rule shown on this page); this script only shows the confirmation.
(function () {
  "use strict";
  var button = document.getElementById("checkout");
  var items = document.getElementById("cart-items");
  var count = 0;
  try {
    count = parseInt(sessionStorage.getItem("demo-cart"), 10) || 0;
  } catch (e) {
    count = 0;
  }
  items.textContent = count ? count + (count === 1 ? " item" : " items") + " in your cart." : "Your cart is empty.";
  button.disabled = count === 0;
  button.addEventListener("click", function () {
    try {
      sessionStorage.removeItem("demo-cart");
    } catch (e) {
      /* nothing to clear */
    }
    document.getElementById("cart-count").textContent = "0";
    items.textContent = "Your cart is empty.";
    button.disabled = true;
    document.getElementById("order").hidden = false;
  });
})();
