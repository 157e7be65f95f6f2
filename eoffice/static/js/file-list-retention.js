// Retention levels: a permanent level has no number of years, so the field is
// disabled while "Vĩnh viễn" is ticked (the server refuses both anyway).
(() => {
  const permanent = document.getElementById("permanent");
  const years = document.getElementById("years");
  if (!permanent || !years) return;
  const sync = () => {
    years.disabled = permanent.checked;
    if (permanent.checked) years.value = "";
  };
  permanent.addEventListener("change", sync);
  sync();
})();
