// htmx restores a page from its history snapshot on Back, and that snapshot holds the
// form as the user had already changed it. Filter forms marked data-url-state are reset
// from the restored URL, so the filters shown are the ones that produced the results.
(function () {
  function syncFormsFromUrl() {
    const params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-url-state]").forEach(function (form) {
      form.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (input) {
        input.checked = params.getAll(input.name).includes(input.value);
      });
      form.querySelectorAll("select").forEach(function (select) {
        const value = params.get(select.name);
        if (value === null) select.selectedIndex = 0;
        else select.value = value;
      });
      form.querySelectorAll("input[type=text], input[type=search], input[type=date]")
        .forEach(function (input) { input.value = params.get(input.name) || ""; });
    });
  }
  document.addEventListener("htmx:historyRestore", syncFormsFromUrl);
})();
