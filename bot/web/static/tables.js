// On a phone the wide tables are shown as one card per row (pingan.css, max-width 600px):
// each cell is given its column's name from the table head, which the card shows beside
// the value. Tables whose cells already carry data-label keep theirs.
document.querySelectorAll("table").forEach((table) => {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  table.querySelectorAll("tbody tr").forEach((row) => {
    [...row.children].forEach((cell, i) => {
      if (heads[i] && !cell.dataset.label) cell.dataset.label = heads[i];
    });
  });
});
