// Conditional fields: a field marked data-show-if="name" is shown only when
// the input "name" has one of data-show-values. Without this script every
// field stays visible, and its hint says when to fill it; the server checks
// the conditions either way.
(function () {
  function values(form, name) {
    var out = [];
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      out.push(el.value);
    }
    return out;
  }
  function update(form) {
    var fields = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      var wanted = f.getAttribute("data-show-values").split(" ");
      var have = values(form, f.getAttribute("data-show-if"));
      var shown = have.some(function (v) { return wanted.indexOf(v) >= 0; });
      f.hidden = !shown;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        if (!form.querySelector("[data-show-if]")) return;
        form.addEventListener("change", function () { update(form); });
        update(form);
      })(forms[i]);
    }
  });
})();
