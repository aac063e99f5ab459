// Comment on selected words: when a reader selects words inside one paragraph of a
// specification, offer a link that opens the comment form with that passage filled in.
// Without JavaScript the same form lets them choose the paragraph and copy the words.
(function () {
  "use strict";
  var link = document.getElementById("ob-annotate-selection");
  if (!link) return;
  var holder = link.parentElement;
  var base = link.getAttribute("href");

  function paragraphOf(node) {
    while (node && node !== document.body) {
      if (node.nodeType === 1 && node.classList.contains("ob-para")) return node;
      node = node.parentNode;
    }
    return null;
  }

  function collapse(text) {
    return text.replace(/\s+/g, " ");
  }

  function update() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
      holder.hidden = true;
      return;
    }
    var range = selection.getRangeAt(0);
    var paragraph = paragraphOf(range.startContainer);
    if (!paragraph || paragraph !== paragraphOf(range.endContainer)) {
      holder.hidden = true;
      return;
    }
    var quote = collapse(selection.toString()).trim();
    if (!quote) {
      holder.hidden = true;
      return;
    }
    var before = document.createRange();
    before.selectNodeContents(paragraph);
    before.setEnd(range.startContainer, range.startOffset);
    var start = collapse(before.toString()).replace(/^\s+/, "").length;
    var query = new URLSearchParams({
      section: paragraph.getAttribute("data-section"),
      paragraph: paragraph.getAttribute("data-paragraph"),
      quote: quote.slice(0, 1000),
      start: String(start),
    });
    link.setAttribute("href", base + "?" + query.toString());
    holder.hidden = false;
  }

  document.addEventListener("selectionchange", update);
})();
