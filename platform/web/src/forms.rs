//! The one form kit of the three planes: forms described in Rust and drawn by
//! one partial (`form`), so that every form has what RGAA asks for: labels
//! tied to inputs, the error summary first with links to the fields,
//! `aria-invalid` and `aria-describedby` on the fields in error, the input
//! kept when something is refused.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use guichet_core::error::FieldError;
use serde::Serialize;

use super::{sentence, AppError, Layout, Renderer};

pub const DIRECTORY_DOWN: &str = "L’annuaire des agents ne répond pas : rien n’a été enregistré. Réessayez dans quelques minutes.";

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub id: String,
    pub value: String,
    pub label: String,
    pub selected: bool,
    /// A heading's choices (option group, branch of a checkbox tree).
    pub children: Vec<Choice>,
}

/// A tree of choices: value, label, selected, and the sub-choices of a
/// heading (whose own value is never sent).
#[derive(Debug, Clone)]
pub struct TreeChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
    pub children: Vec<TreeChoice>,
}

/// Shown only when the field `name` has one of `values` (space-separated);
/// without scripts the field stays visible and its hint says when to fill it.
#[derive(Debug, Clone, Serialize)]
pub struct ShowIf {
    pub name: String,
    pub values: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The form key, also the core's field name (with `_` for `.`).
    pub name: String,
    pub id: String,
    pub label: String,
    /// text, email, tel, password, textarea, select, checkbox, checkboxes, readonly.
    pub kind: &'static str,
    pub value: String,
    pub checked: bool,
    pub optional: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub autocomplete: Option<&'static str>,
    pub options: Vec<Choice>,
    /// Ids of the hint and error, once the form is sealed.
    pub describedby: Option<String>,
    /// The virtual keyboard to offer (`numeric`, `tel`…).
    pub inputmode: Option<&'static str>,
    pub show_if: Option<ShowIf>,
    /// File inputs: the types offered, and whether several files go at once.
    pub accept: Option<&'static str>,
    pub multiple: bool,
    /// A page to read before answering (a consent's rules).
    pub link: Option<FieldLink>,
    /// A text area's height, in lines.
    pub rows: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldLink {
    pub href: String,
    pub label: String,
}

impl Field {
    fn new(kind: &'static str, name: &str, label: &str, value: &str) -> Field {
        Field {
            name: name.to_owned(),
            id: name.replace(['_', '.'], "-"),
            label: label.to_owned(),
            kind,
            value: value.to_owned(),
            checked: false,
            optional: false,
            hint: None,
            error: None,
            autocomplete: None,
            options: Vec::new(),
            describedby: None,
            inputmode: None,
            show_if: None,
            accept: None,
            multiple: false,
            link: None,
            rows: 4,
        }
    }

    /// A text area `n` lines high.
    pub fn rows(mut self, n: u16) -> Field {
        self.rows = n;
        self
    }

    /// A page to read before answering, linked beside the field.
    pub fn link(mut self, href: &str, label: &str) -> Field {
        self.link = Some(FieldLink {
            href: href.to_owned(),
            label: label.to_owned(),
        });
        self
    }

    pub fn text(name: &str, label: &str, value: &str) -> Field {
        Field::new("text", name, label, value)
    }

    pub fn email(name: &str, label: &str, value: &str) -> Field {
        Field::new("email", name, label, value).autocomplete("email")
    }

    pub fn tel(name: &str, label: &str, value: &str) -> Field {
        Field::new("tel", name, label, value)
            .autocomplete("tel")
            .optional()
    }

    /// Never shown again once typed.
    pub fn password(name: &str, label: &str) -> Field {
        Field::new("password", name, label, "").autocomplete("new-password")
    }

    pub fn textarea(name: &str, label: &str, value: &str) -> Field {
        Field::new("textarea", name, label, value)
    }

    /// Shown, not sent.
    pub fn readonly(name: &str, label: &str, value: &str) -> Field {
        Field::new("readonly", name, label, value)
    }

    pub fn checkbox(name: &str, label: &str, checked: bool) -> Field {
        let mut f = Field::new("checkbox", name, label, "oui");
        f.checked = checked;
        f
    }

    /// `options`: (value, label, selected).
    pub fn select(name: &str, label: &str, options: Vec<(String, String, bool)>) -> Field {
        let mut f = Field::new("select", name, label, "");
        f.options = choices(&f.id, options);
        f
    }

    /// Several checkboxes under one legend; `options`: (value, label, checked).
    pub fn checkboxes(name: &str, label: &str, options: Vec<(String, String, bool)>) -> Field {
        let mut f = Field::new("checkboxes", name, label, "");
        f.options = choices(&f.id, options);
        f
    }

    /// One choice among a few, as radio buttons under one legend.
    pub fn radios(name: &str, label: &str, options: Vec<(String, String, bool)>) -> Field {
        let mut f = Field::new("radios", name, label, "");
        f.options = choices(&f.id, options);
        f
    }

    /// A drop-down whose headings group their choices.
    pub fn select_tree(name: &str, label: &str, options: Vec<TreeChoice>) -> Field {
        let mut f = Field::new("select", name, label, "");
        f.options = tree(&f.id, options);
        f
    }

    /// Checkboxes whose headings group their choices.
    pub fn checkbox_tree(name: &str, label: &str, options: Vec<TreeChoice>) -> Field {
        let mut f = Field::new("checkboxes", name, label, "");
        f.options = tree(&f.id, options);
        f
    }

    /// A date (`aaaa-mm-jj`, the browser's date picker).
    pub fn date(name: &str, label: &str, value: &str) -> Field {
        Field::new("date", name, label, value)
    }

    /// Digits, with the numeric keyboard on phones.
    pub fn number(name: &str, label: &str, value: &str) -> Field {
        let mut f = Field::new("text", name, label, value);
        f.inputmode = Some("numeric");
        f
    }

    /// A file (or several) to upload, of the `accept` types.
    pub fn file(name: &str, label: &str, accept: &'static str, multiple: bool) -> Field {
        let mut f = Field::new("file", name, label, "");
        f.accept = Some(accept);
        f.multiple = multiple;
        f
    }

    pub fn show_if(mut self, name: &str, values: &[String]) -> Field {
        self.show_if = Some(ShowIf {
            name: name.to_owned(),
            values: values.join(" "),
        });
        self
    }

    pub fn optional(mut self) -> Field {
        self.optional = true;
        self
    }

    pub fn hint(mut self, hint: &str) -> Field {
        self.hint = Some(hint.to_owned());
        self
    }

    pub fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = Some(token);
        self
    }

    /// Where the summary's link leads: the field, or its first box.
    fn anchor(&self) -> String {
        match self.options.first() {
            Some(first) if self.kind == "checkboxes" || self.kind == "radios" => first
                .children
                .first()
                .map_or_else(|| first.id.clone(), |c| c.id.clone()),
            _ => self.id.clone(),
        }
    }
}

fn choices(id: &str, options: Vec<(String, String, bool)>) -> Vec<Choice> {
    options
        .into_iter()
        .enumerate()
        .map(|(i, (value, label, selected))| Choice {
            id: format!("{id}-{}", i + 1),
            value,
            label,
            selected,
            children: Vec::new(),
        })
        .collect()
}

fn tree(id: &str, options: Vec<TreeChoice>) -> Vec<Choice> {
    options
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            let id = format!("{id}-{}", i + 1);
            Choice {
                children: tree(&id, o.children),
                id,
                value: o.value,
                label: o.label,
                selected: o.selected,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub legend: Option<String>,
    pub hint: Option<String>,
    pub fields: Vec<Field>,
    /// A whole fieldset shown on a condition (see [`Field::show_if`]).
    pub show_if: Option<ShowIf>,
}

impl Section {
    pub fn plain(fields: Vec<Field>) -> Section {
        Section {
            legend: None,
            hint: None,
            fields,
            show_if: None,
        }
    }

    pub fn titled(legend: &str, hint: Option<&str>, fields: Vec<Field>) -> Section {
        Section {
            legend: Some(legend.to_owned()),
            hint: hint.map(str::to_owned),
            fields,
            show_if: None,
        }
    }

    pub fn show_if(mut self, name: &str, values: &[String]) -> Section {
        self.show_if = Some(ShowIf {
            name: name.to_owned(),
            values: values.join(" "),
        });
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryItem {
    pub href: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub href: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Form {
    /// Distinguishes the ids of two forms on one page.
    pub id: String,
    pub action: String,
    /// `post`, or `get` for a search (its fields go into the URL, which can
    /// be bookmarked and shared; no CSRF token then).
    pub method: &'static str,
    pub csrf_token: String,
    pub sections: Vec<Section>,
    pub submit: String,
    pub cancel: Option<Link>,
    pub summary_title: String,
    pub summary: Vec<SummaryItem>,
    /// Errors of the form as a whole (a conflict, the directory down).
    general: Vec<String>,
    /// Whether some field is optional, to say so above the form.
    pub mentions_optional: bool,
    /// Sends files (`multipart/form-data`).
    pub multipart: bool,
    pub hidden: Vec<Hidden>,
    /// The main button's name and value, when the handler tells buttons apart.
    pub submit_name: Option<String>,
    pub submit_value: Option<String>,
    /// Other buttons (« Enregistrer et quitter »), after the main one.
    pub secondary: Vec<Button>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hidden {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Button {
    pub name: String,
    pub value: String,
    pub label: String,
}

impl Form {
    pub fn new(action: &str, csrf_token: String, submit: &str, sections: Vec<Section>) -> Form {
        Form {
            id: "formulaire".into(),
            action: action.to_owned(),
            method: "post",
            csrf_token,
            sections,
            submit: submit.to_owned(),
            cancel: None,
            summary_title: String::new(),
            summary: Vec::new(),
            general: Vec::new(),
            mentions_optional: false,
            multipart: false,
            hidden: Vec::new(),
            submit_name: None,
            submit_value: None,
            secondary: Vec::new(),
        }
    }

    /// A search form: sent with GET, its fields in the URL.
    pub fn search(action: &str, submit: &str, sections: Vec<Section>) -> Form {
        Form {
            method: "get",
            ..Form::new(action, String::new(), submit, sections)
        }
    }

    pub fn multipart(mut self) -> Form {
        self.multipart = true;
        self
    }

    pub fn hidden(mut self, name: &str, value: &str) -> Form {
        self.hidden.push(Hidden {
            name: name.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    pub fn submit_as(mut self, name: &str, value: &str) -> Form {
        self.submit_name = Some(name.to_owned());
        self.submit_value = Some(value.to_owned());
        self
    }

    pub fn secondary(mut self, name: &str, value: &str, label: &str) -> Form {
        self.secondary.push(Button {
            name: name.to_owned(),
            value: value.to_owned(),
            label: label.to_owned(),
        });
        self
    }

    pub fn cancel(mut self, href: &str, label: &str) -> Form {
        self.cancel = Some(Link {
            href: href.to_owned(),
            label: label.to_owned(),
        });
        self
    }

    pub fn with_id(mut self, id: &str) -> Form {
        self.id = id.to_owned();
        self
    }

    pub fn has_errors(&self) -> bool {
        !self.summary.is_empty()
    }

    fn fields_mut(&mut self) -> impl Iterator<Item = &mut Field> {
        self.sections.iter_mut().flat_map(|s| s.fields.iter_mut())
    }

    /// Puts each error next to its field (the core's `admin.first_name` is
    /// the field `admin_first_name`); those without a field go on top. An
    /// error about a whole step of a request (`step.…`) says which step.
    pub fn field_errors(&mut self, errors: Vec<FieldError>) {
        for mut e in errors {
            if e.field.starts_with("step.") && !e.label.is_empty() {
                e.message = format!("{} : {}", e.label, e.message);
            }
            let name = e.field.replace('.', "_");
            let field = self
                .sections
                .iter_mut()
                .flat_map(|s| s.fields.iter_mut())
                .find(|f| f.name == e.field || f.name == name);
            match field {
                Some(f) => {
                    let message = sentence(&e.message);
                    f.error = Some(match f.error.take() {
                        Some(prev) => format!("{prev} {message}"),
                        None => message,
                    });
                }
                None => self.general.push(sentence(&e.message)),
            }
        }
    }

    pub fn general_error(&mut self, message: &str) {
        self.general.push(sentence(message));
    }

    /// Shows a refusal on the form, with the status to answer; errors that
    /// are not about the input (a database failure…) are passed on.
    pub fn refused(&mut self, error: AppError) -> Result<StatusCode, AppError> {
        let status = actix_web::ResponseError::status_code(&error);
        match error {
            AppError::Invalid(errors) => self.field_errors(errors),
            AppError::Conflict(m) | AppError::BadRequest(m) => self.general_error(&m),
            AppError::DirectoryUnavailable(detail) => {
                tracing::error!(%detail, "annuaire injoignable");
                self.general.push(DIRECTORY_DOWN.to_owned());
            }
            other => return Err(other),
        }
        Ok(status)
    }

    /// Computes what the template shows: the summary, in the order of the
    /// fields, and the `aria-describedby` of each field.
    fn seal(&mut self) {
        let mut summary: Vec<SummaryItem> = self
            .general
            .iter()
            .map(|m| SummaryItem {
                href: None,
                text: m.clone(),
            })
            .collect();
        let form_id = self.id.clone();
        let mut optional = false;
        for f in self.fields_mut() {
            optional |= f.optional;
            if form_id != "formulaire" && !f.id.starts_with(&form_id) {
                f.id = format!("{form_id}-{}", f.id);
                for o in &mut f.options {
                    o.id = format!("{form_id}-{}", o.id);
                    for c in &mut o.children {
                        c.id = format!("{form_id}-{}", c.id);
                    }
                }
            }
            let mut ids = Vec::new();
            if f.hint.is_some() {
                ids.push(format!("{}-aide", f.id));
            }
            if let Some(e) = &f.error {
                ids.push(format!("{}-erreur", f.id));
                summary.push(SummaryItem {
                    href: Some(format!("#{}", f.anchor())),
                    text: format!("{} : {e}", f.label),
                });
            }
            f.describedby = (!ids.is_empty()).then(|| ids.join(" "));
        }
        self.mentions_optional = optional;
        self.summary_title = match summary.len() {
            0 => String::new(),
            1 => "Le formulaire contient une erreur".into(),
            n => format!("Le formulaire contient {n} erreurs"),
        };
        self.summary = summary;
    }
}

/// A page that is one form.
#[derive(Serialize)]
struct FormPage<'a> {
    layout: Layout,
    heading: &'a str,
    intro: Option<&'a str>,
    form: Form,
}

/// Draws a page made of one form; its title says when the form has errors.
pub fn form_page(
    pages: &Renderer,
    status: StatusCode,
    mut layout: Layout,
    heading: &str,
    intro: Option<&str>,
    form: Form,
) -> Result<HttpResponse, AppError> {
    let form = sealed(form);
    if form.has_errors() {
        layout.refused();
    }
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages.render(
            "form_page",
            &FormPage {
                layout,
                heading,
                intro,
                form,
            },
        )?))
}

/// A destructive action's confirmation: a form of one button that sends
/// `confirme=oui` (and the fields the first form carried) to `action`, and
/// a way back. Asked before anything is done, without any script.
pub fn confirmation(
    action: &str,
    csrf_token: String,
    button: &str,
    back: (&str, &str),
    carried: &[(&str, &str)],
) -> Form {
    let mut form = Form::new(action, csrf_token, button, Vec::new())
        .hidden("confirme", "oui")
        .cancel(back.0, back.1);
    for (name, value) in carried {
        form = form.hidden(name, value);
    }
    form
}

/// The form ready for its template (for pages with several forms).
pub fn sealed(mut form: Form) -> Form {
    form.seal();
    form
}

/// Form fields as pairs, for forms with repeated keys (checkboxes).
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `key`, or "".
    pub fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// "" is "not given".
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A password field left empty is "not given"; its spaces are the user's.
pub fn password_given(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A person's form as sent (an account, a member, a visitor, a foyer opened
/// at the counter).
pub fn person_form(p: &Pairs) -> guichet_core::foyers::PersonForm {
    guichet_core::foyers::PersonForm {
        title: p.get("title"),
        last_name: p.get("last_name"),
        first_name: p.get("first_name"),
        birth_date: p.get("birth_date"),
        birth_city: p.get("birth_city"),
        sex: p.get("sex"),
        born: p.get("born"),
        email: p.get("email"),
        mobile_phone: p.get("mobile_phone"),
        home_phone: p.get("home_phone"),
        office_phone: p.get("office_phone"),
        profession: p.get("profession"),
    }
}
