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

// Variables of a courrier type: each « Insérer » button puts its variable
// where the cursor is in the body. Without this script the buttons stay
// hidden and the agent types the variable as the list shows it.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("button[data-insert]");
    for (var i = 0; i < buttons.length; i++) {
      (function (button) {
        var target = document.getElementById(button.getAttribute("data-target"));
        if (!target) return;
        button.hidden = false;
        button.addEventListener("click", function () {
          var text = button.getAttribute("data-insert");
          var start = target.selectionStart, end = target.selectionEnd;
          target.value = target.value.slice(0, start) + text + target.value.slice(end);
          target.focus();
          target.selectionStart = target.selectionEnd = start + text.length;
        });
      })(buttons[i]);
    }
  });
})();
