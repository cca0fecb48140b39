// A site's own consent banner drives Tailor through a CustomEvent, without touching its API.
document.getElementById("accept").addEventListener("click", function () {
  document.dispatchEvent(new CustomEvent("tailor:consent", { detail: { personalization: true } }));
});
