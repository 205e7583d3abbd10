// Copy buttons: a button with data-copy="ID" copies the value of the input with that id.
// Without JavaScript the input stays there to select and copy by hand.
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  b.addEventListener("click", function () {
    var input = document.getElementById(b.dataset.copy);
    input.select();
    var done = function () { b.textContent = "Copied"; };
    if (navigator.clipboard) { navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); }); }
    else { document.execCommand("copy"); done(); }
  });
});
