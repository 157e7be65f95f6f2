// The school list of a recipient group: typing filters it (with or without diacritics),
// and the number of ticked schools follows the ticks. The page works without it.
const fold = (text) =>
  text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLocaleLowerCase("vi").trim();

document.querySelectorAll("[data-filter-list]").forEach((input) => {
  const list = document.getElementById(input.dataset.filterList);
  if (!list) return;
  const items = Array.from(list.querySelectorAll(".school-item"));
  const count = document.getElementById("chosen-count");
  input.addEventListener("input", () => {
    const wanted = fold(input.value);
    items.forEach((item) => {
      item.hidden = wanted !== "" && !fold(item.dataset.name || "").includes(wanted);
    });
  });
  list.addEventListener("change", () => {
    if (count) count.textContent = list.querySelectorAll(".school-item input:checked").length;
  });
});
