//! Pages: handlebars templates (strict, HTML-escaped), embedded in the binary.
//! Every page fills [`Layout`], which the `layout` template draws around it.

use actix_web::http::header;
use actix_web::HttpResponse;
use handlebars::{Context, Handlebars};
use rust_embed::RustEmbed;
use serde::Serialize;

use super::AppError;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct CoreTemplates;

/// « 303 See Other » to `to`: where a form that succeeded sends the browser
/// (post, redirect, get), the one way every plane answers it.
pub fn see_other(to: impl AsRef<str>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.as_ref()))
        .finish()
}

/// [`see_other`], with what was achieved said on the page it leads to: the
/// one way a form's success is told (the session's one-shot notice, drawn by
/// the layout).
pub fn see_other_with(
    session: &actix_session::Session,
    to: impl AsRef<str>,
    notice: &str,
) -> Result<HttpResponse, AppError> {
    crate::session::set_flash(session, notice.to_owned())?;
    Ok(see_other(to))
}

/// What the base layout needs on every page.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// The page's own title, first in `<title>`.
    pub title: String,
    /// The collectivité's name, or the platform's.
    pub site_name: String,
    /// Links of the main navigation.
    pub nav: Vec<NavLink>,
    /// Who is signed in, if anyone.
    pub user: Option<String>,
    /// For the sign-out form, when someone is signed in.
    pub csrf_token: Option<String>,
    pub logout_action: Option<String>,
    /// The collectivité's logo, if it gave one.
    pub logo: Option<String>,
    /// Links of the footer (the collectivité's legal pages and documents).
    pub footer: Vec<NavLink>,
    /// The collectivité's banner (the portal's).
    pub banner: Option<String>,
    /// The collectivité's style sheet (the portal's), after ours.
    pub stylesheet: Option<String>,
    /// The page uses the screen's whole width (a request and its documents
    /// side by side).
    pub wide: bool,
    /// What the last form achieved, said once (a status message).
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// What starts the title of a page that shows a refusal.
pub const ERROR_PREFIX: &str = "Erreur : ";

/// A page's title: « Erreur : » first when it shows a refusal (RGAA 11.10),
/// once however many times it is said, the next word in lower case as French
/// writes it after a colon (an acronym kept). The one place that writes it.
pub fn title(title: &str, refused: bool) -> String {
    if !refused || title.starts_with(ERROR_PREFIX) {
        return title.to_owned();
    }
    let mut chars = title.chars();
    let rest = match (chars.next(), chars.clone().next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => title.to_owned(),
    };
    format!("{ERROR_PREFIX}{rest}")
}

impl Layout {
    pub fn new(title: &str) -> Layout {
        Layout {
            title: title.to_owned(),
            site_name: "Guichet".to_owned(),
            nav: Vec::new(),
            user: None,
            csrf_token: None,
            logout_action: None,
            logo: None,
            footer: Vec::new(),
            banner: None,
            stylesheet: None,
            wide: false,
            notice: None,
        }
    }

    /// What the last form achieved, said once at the top of the page it led
    /// to (set by [`see_other_with`]).
    pub fn notice(mut self, session: &actix_session::Session) -> Layout {
        self.notice = crate::session::take_flash(session);
        self
    }

    /// The portal's banner and style sheet, if the collectivité gave them.
    pub fn look(mut self, appearance: &guichet_core::tenancy::Appearance) -> Layout {
        self.banner = appearance
            .stamp("banniere")
            .map(|v| format!("/apparence/banniere?v={v}"));
        self.stylesheet = appearance
            .stamp("feuille-de-style")
            .map(|v| format!("/apparence/feuille-de-style?v={v}"));
        self
    }

    /// The collectivité's logo and documents, as `kinds` of its appearance
    /// (a logo's code, then the documents' codes with their labels and the
    /// prefix of their addresses).
    pub fn appearance(
        mut self,
        appearance: &guichet_core::tenancy::Appearance,
        logo: &str,
        documents: &[(&str, &str)],
        prefix: &str,
    ) -> Layout {
        self.logo = appearance
            .stamp(logo)
            .map(|v| format!("/apparence/{logo}?v={v}"));
        for (code, label) in documents {
            if let Some(v) = appearance.stamp(code) {
                self.footer.push(NavLink {
                    href: format!("{prefix}/{code}?v={v}"),
                    label: format!("{label} (PDF)"),
                    current: false,
                });
            }
        }
        self
    }

    /// The page shows a refusal: « Erreur : » first in its title (RGAA
    /// 11.10), once however many times it is said.
    pub fn refused(&mut self) {
        self.title = title(&self.title, true);
    }

    /// The collectivité's legal notice, personal data notice and
    /// accessibility statement, first in the footer of its pages.
    pub fn legal(mut self) -> Layout {
        let pages = guichet_core::domain::legal::Kind::ALL.map(|k| NavLink {
            href: format!("/{}", k.code()),
            label: k.title().to_owned(),
            current: false,
        });
        self.footer.splice(0..0, pages);
        self
    }

    pub fn site(mut self, name: &str) -> Layout {
        name.clone_into(&mut self.site_name);
        self
    }

    pub fn link(mut self, href: &str, label: &str, current: bool) -> Layout {
        self.nav.push(NavLink {
            href: href.to_owned(),
            label: label.to_owned(),
            current,
        });
        self
    }
}

/// What the `layout` template shows: the page's [`Layout`] around its body.
#[derive(Serialize)]
struct Wrapped {
    layout: serde_json::Value,
    body: String,
}

pub struct Renderer {
    registry: Handlebars<'static>,
}

impl Renderer {
    /// The core templates (layout, error page); planes add theirs with [`Renderer::add`].
    pub fn new() -> Renderer {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.set_dev_mode(false);
        let mut r = Renderer { registry };
        r.add::<CoreTemplates>();
        r
    }

    /// Registers every `*.hbs` file of an embedded folder, named without extension.
    pub fn add<E: RustEmbed>(&mut self) {
        self.registry
            .register_embed_templates_with_extension::<E>(".hbs")
            .expect("embedded templates are checked by the tests");
    }

    /// Renders template `name` with `data`; when `data` has a `layout`, the
    /// `layout` template wraps the result. In two passes rather than with a
    /// `{{#> layout}}` partial block: handlebars copies the whole data into a
    /// partial, then copies again every value read inside it.
    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, AppError> {
        let failed =
            |e: handlebars::RenderError| AppError::Internal(format!("gabarit {name} : {e}"));
        let mut context = Context::wraps(data).map_err(failed)?;
        let body = self
            .registry
            .render_with_context(name, &context)
            .map_err(failed)?;
        match context
            .data_mut()
            .as_object_mut()
            .and_then(|m| m.remove("layout"))
        {
            Some(layout) => self
                .registry
                .render("layout", &Wrapped { layout, body })
                .map_err(failed),
            None => Ok(body),
        }
    }

    /// A whole HTML page response.
    pub fn page<T: Serialize>(&self, name: &str, data: &T) -> Result<HttpResponse, AppError> {
        Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(self.render(name, data)?))
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_said_once_in_the_title() {
        let mut layout = Layout::new("Erreur : connexion");
        layout.refused();
        assert_eq!(layout.title, "Erreur : connexion");
        let mut layout = Layout::new("Connexion");
        layout.refused();
        layout.refused();
        assert_eq!(layout.title, "Erreur : connexion");
        assert_eq!(title("FAQ des familles", true), "Erreur : FAQ des familles");
        assert_eq!(title("Régies", false), "Régies");
    }
}
