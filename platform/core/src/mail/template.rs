//! E-mails as templates. Each e-mail a context writes is a value (what it
//! says, typed) and a template (how it says it), a file beside the context
//! (`mails/*.hbs`): the subject on the first line, a blank line, the body.
//! Handlebars in strict mode and without HTML escaping (the text is plain):
//! a variable the value does not have is an error, never a silent gap, and
//! [`check`] proves in each context's tests that the template names every
//! field of its value. The HTML alternative is made from the text when the
//! message is sent ([`super::html`]), so the two never disagree.

use handlebars::Handlebars;
use serde::Serialize;

/// An e-mail: its values, and the template that words them.
pub trait Email: Serialize {
    /// The template's file, for errors (`requests/mails/receipt.hbs`).
    const NAME: &'static str;
    /// Subject, blank line, body.
    const TEMPLATE: &'static str;
    /// Wordings shared by several e-mails, as partials (`{{> follow}}`).
    const PARTS: &'static [(&'static str, &'static str)] = &[];
}

/// An e-mail written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub subject: String,
    pub body: String,
}

/// Words `email` with its template.
pub fn write<E: Email>(email: &E) -> Result<Written, String> {
    let mut engine = Handlebars::new();
    engine.set_strict_mode(true);
    engine.register_escape_fn(handlebars::no_escape);
    for (name, text) in E::PARTS {
        engine
            .register_partial(name, *text)
            .map_err(|e| format!("{} : {name} : {e}", E::NAME))?;
    }
    let text = engine
        .render_template(E::TEMPLATE, email)
        .map_err(|e| format!("{} : {e}", E::NAME))?;
    let (subject, body) = text
        .split_once("\n\n")
        .ok_or_else(|| format!("{} : ni sujet ni corps", E::NAME))?;
    let subject = subject.trim();
    if subject.is_empty() || subject.contains('\n') {
        return Err(format!(
            "{} : le sujet tient sur la première ligne",
            E::NAME
        ));
    }
    Ok(Written {
        subject: subject.to_owned(),
        body: body.to_owned(),
    })
}

/// For the contexts' tests: `email` is written, and its template (with its
/// parts) names each of its fields; answers what was written.
pub fn check<E: Email>(email: &E) -> Written {
    let written = write(email).unwrap_or_else(|e| panic!("{e}"));
    let value = serde_json::to_value(email).expect("an e-mail serialises");
    let fields = value.as_object().expect("an e-mail is a struct");
    let words: String = std::iter::once(E::TEMPLATE)
        .chain(E::PARTS.iter().map(|(_, t)| *t))
        .collect();
    for field in fields.keys() {
        assert!(
            words.contains(&format!("{{{{{field}"))
                || words.contains(&format!(" {field}}}"))
                || words.contains(&format!(" {field}."))
                || words.contains(&format!("{{{{{field}."))
                || words.contains(&format!(" {field} ")),
            "{} ne dit rien de « {field} »",
            E::NAME
        );
    }
    assert!(
        !written.body.contains("{{") && !written.subject.contains("{{"),
        "{} : {written:?}",
        E::NAME
    );
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Hello {
        name: String,
        late: bool,
    }
    impl Email for Hello {
        const NAME: &'static str = "hello.hbs";
        const TEMPLATE: &'static str =
            "Bonjour {{name}}\n\nÀ bientôt, {{name}} & co.{{#if late}} En retard.{{/if}}\n";
    }

    #[derive(Serialize)]
    struct Broken {
        name: String,
    }
    impl Email for Broken {
        const NAME: &'static str = "broken.hbs";
        const TEMPLATE: &'static str = "Sujet\n\n{{nom}}\n";
    }

    #[test]
    fn an_email_is_worded_by_its_template_strictly_and_unescaped() {
        let written = check(&Hello {
            name: "Zoé <z@x.fr>".into(),
            late: false,
        });
        assert_eq!(written.subject, "Bonjour Zoé <z@x.fr>");
        assert_eq!(written.body, "À bientôt, Zoé <z@x.fr> & co.\n");
        let err = write(&Broken { name: "x".into() }).unwrap_err();
        assert!(err.starts_with("broken.hbs"), "{err}");
    }
}
