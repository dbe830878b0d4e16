//! Households' accounts: creation with an e-mail confirmation, sign-in and
//! sign-out, a forgotten password replaced through a single-use link.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use guichet_core::auth::password;
use guichet_core::auth::rate;
use guichet_core::auth::throttle::Throttle;
use guichet_core::foyers::{self, Opened};
use guichet_core::store::Store;
use guichet_domain::foyer::{Title, PASSWORD_MIN};
use guichet_web::client::{pace, within, ClientAddr};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::device::DeviceCookies;
use guichet_web::forms::{form_page, Field, Form, Pairs, Section};
use guichet_web::principal::SignedInHousehold;
use guichet_web::session::{self, SessionExpired, SessionPrincipal};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{blocking, sentence, tx, AppError, Renderer};
use serde::{Deserialize, Serialize};

use crate::page::{address_fields, layout, person_form, render, see_other, Section as Nav};

const WRONG: &str = "Adresse électronique ou mot de passe incorrect. Vérifiez-les ; si vous avez oublié votre mot de passe, choisissez-en un nouveau avec le lien « Mot de passe oublié ».";

#[derive(Serialize)]
struct SignInPage {
    layout: guichet_web::Layout,
    form: Form,
    notice: Option<String>,
    franceconnect: bool,
}

/// Where to go after sign-in: a page of ours only.
fn next_of(req: &HttpRequest) -> String {
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    safe_next(q.get("suite").map(String::as_str).unwrap_or(""))
}

/// Checked on the page and again on the form's POST.
fn safe_next(s: &str) -> String {
    guichet_web::security::local_path(s)
        .unwrap_or("/mes-demandes")
        .to_owned()
}

fn sign_in_form(csrf_token: String, email: &str, next: &str) -> Form {
    Form::new(
        "/connexion",
        csrf_token,
        "Se connecter",
        vec![Section::plain(vec![
            Field::email("email", "Adresse électronique", email),
            Field::password("password", "Mot de passe").autocomplete("current-password"),
        ])],
    )
    .hidden("suite", next)
}

#[allow(clippy::too_many_arguments)]
fn sign_in_view(
    fc: &crate::FranceConnect,
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let mut form = sign_in_form(csrf::token(session)?, email, next);
    if let Some(e) = &error {
        form.general_error(e);
    }
    let form = guichet_web::forms::sealed(form);
    let title = guichet_web::render::title("Se connecter", form.has_errors());
    render(
        pages,
        status,
        "portal/sign_in",
        &SignInPage {
            layout: layout(tenant, &title, Nav::None, None, session)?,
            form,
            notice,
            franceconnect: fc.0.is_some(),
        },
    )
}

pub(crate) async fn sign_in_page(
    req: HttpRequest,
    fc: web::Data<crate::FranceConnect>,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    if SignedInHousehold::extract(&req).await.is_ok() {
        return Ok(see_other("/mes-demandes"));
    }
    let notice = req
        .extensions()
        .get::<SessionExpired>()
        .map(|_| "Votre session a expiré : reconnectez-vous pour continuer.".to_owned());
    sign_in_view(
        &fc,
        &pages,
        &tenant,
        &session,
        StatusCode::OK,
        "",
        &next_of(&req),
        None,
        notice,
    )
}

#[derive(Deserialize)]
pub(crate) struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    suite: String,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn sign_in(
    req: HttpRequest,
    fc: web::Data<crate::FranceConnect>,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    devices: web::Data<DeviceCookies>,
    VerifiedForm(form): VerifiedForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let email = form.email.trim().to_lowercase();
    let next = safe_next(&form.suite);
    let fail = |message: String, status| {
        sign_in_view(
            &fc,
            &pages,
            &tenant,
            &session,
            status,
            &email,
            &next,
            Some(message),
            None,
        )
    };
    let key = format!("foyer:{email}@{}", tenant.slug);
    if let Err(e) = pace(&throttle, &key, client, devices.knows(&req, &key)).await {
        return fail(e.problem().detail, StatusCode::TOO_MANY_REQUESTS);
    }
    let login = email.clone();
    let found = tx::read(&store, &tenant, move |t| {
        foyers::account_by_login(t, &login)
    })
    .await?;
    let (hash, given) = (
        found.as_ref().and_then(|a| a.password_hash.clone()),
        form.password,
    );
    let right = blocking(move || Ok(password::verify_or_dummy(&given, hash.as_deref()))).await?;
    let account = match found {
        Some(a) if right && !a.archived => a,
        _ => {
            guichet_web::client::signed_in(&throttle, &key, client, false).await?;
            return fail(WRONG.into(), StatusCode::UNAUTHORIZED);
        }
    };
    guichet_web::client::signed_in(&throttle, &key, client, true).await?;
    if !account.enabled {
        let help = tx::read(
            &store,
            &tenant,
            guichet_core::collectivite::settings::current,
        )
        .await?
        .help_contact;
        return fail(
            format!("Votre compte est désactivé : vous ne pouvez pas vous connecter. Pour le réactiver, contactez {help}."),
            StatusCode::FORBIDDEN,
        );
    }
    if !account.confirmed {
        let (here, login, id) = (tenant.site(), account.login.clone(), account.individual);
        if within(&store, rate::ACCOUNT_MAIL, tenant.id, login.clone()).await? {
            tx::write(&store, &tenant, move |t| {
                foyers::send_confirmation(t, id, &login, &here)
            })
            .await?;
        }
        return fail(
            "Votre adresse électronique n’est pas encore confirmée. Nous venons de vous renvoyer le lien de confirmation : ouvrez-le, puis connectez-vous.".into(),
            StatusCode::FORBIDDEN,
        );
    }
    session::sign_in(
        &session,
        &SessionPrincipal::household(tenant.id, account.individual),
    )?;
    let mut done = see_other(&next);
    devices.remember(&req, &mut done, &key);
    Ok(done)
}

pub(crate) async fn sign_out(
    req: HttpRequest,
    session: Session,
    fc: web::Data<crate::FranceConnect>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> HttpResponse {
    // Signed in through FranceConnect: signed out there too.
    let to = crate::franceconnect::logout_target(&req, &session, &fc).await;
    session::sign_out(&session);
    see_other(&to)
}

/// The account form's sections, filled with what was typed.
fn account_form(csrf_token: String, p: &Pairs) -> Form {
    let title = p.get("title");
    let titles = Title::ALL
        .into_iter()
        .map(|t| (t.code().to_owned(), t.label().to_owned(), title == t.code()))
        .collect();
    let address = address_fields("address", |k| p.get(k), true, true);
    Form::new(
        "/creer-un-compte",
        csrf_token,
        "Créer mon compte",
        vec![
            Section::titled(
                "Vous",
                Some("Vous serez le responsable du foyer : vous pourrez ensuite ajouter les autres adultes et les enfants."),
                vec![
                    Field::radios("title", "Civilité", titles),
                    Field::text("last_name", "Nom", &p.get("last_name")).autocomplete("family-name"),
                    Field::text("first_name", "Prénom", &p.get("first_name")).autocomplete("given-name"),
                    Field::date("birth_date", "Date de naissance", &p.get("birth_date"))
                        .autocomplete("bday")
                        .optional(),
                ],
            ),
            Section::titled(
                "Vous joindre",
                Some("Au moins un numéro de téléphone."),
                vec![
                    Field::email("email", "Adresse électronique", &p.get("email"))
                        .hint("Elle servira à vous connecter. Nous y enverrons un lien pour la confirmer."),
                    Field::tel("mobile_phone", "Téléphone portable", &p.get("mobile_phone"))
                        .autocomplete("tel")
                        .hint("10 chiffres, par exemple 06 12 34 56 78."),
                    Field::tel("home_phone", "Téléphone du domicile", &p.get("home_phone")),
                    Field::tel("office_phone", "Téléphone du travail", &p.get("office_phone")),
                ],
            ),
            Section::titled("Votre adresse", None, address),
            Section::titled(
                "Votre mot de passe",
                None,
                vec![
                    Field::password("password", "Mot de passe").hint(&format!(
                        "{PASSWORD_MIN} caractères au moins. Une phrase facile à retenir convient très bien, par exemple « le chat dort sur le toit »."
                    )),
                    Field::password("password_confirm", "Mot de passe, à nouveau"),
                ],
            ),
        ],
    )
}

pub(crate) async fn sign_up_page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let form = account_form(csrf::token(&session)?, &Pairs(Vec::new()));
    let layout = layout(&tenant, "Créer un compte", Nav::None, None, &session)?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        "Créer un compte",
        Some("Avec un compte, vous faites vos démarches en ligne, vous les retrouvez et vous les suivez."),
        form,
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn sign_up(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    client: ClientAddr,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(pairs);
    let checked = foyers::check_account(
        |k| p.get(k),
        &person_form(&p),
        guichet_domain::time::today(),
    );
    let account = match checked {
        Ok(a) => a,
        Err(e) => {
            let mut form = account_form(csrf::token(&session)?, &p);
            let status = form.refused(e.into())?;
            let layout = layout(
                &tenant,
                &guichet_web::render::title("créer un compte", true),
                Nav::None,
                None,
                &session,
            )?;
            return form_page(&pages, status, layout, "Créer un compte", None, form);
        }
    };
    if !within(
        &store,
        rate::SIGN_UP_FROM_ADDRESS,
        tenant.id,
        client.subject(),
    )
    .await?
    {
        return too_many(&pages, &tenant, &session);
    }
    // A few messages an hour to one address, whoever asks: the page says
    // the same either way, so that nobody learns who has an account.
    let email = account.person.email.clone();
    if within(&store, rate::ACCOUNT_MAIL, tenant.id, email).await? {
        let given = p.get("password");
        let hash = blocking(move || Ok(password::hash(&given))).await?;
        let here = tenant.site();
        let opened = tx::write(&store, &tenant, move |t| {
            foyers::open_account(t, &account, Some(&hash), &here)
        })
        .await?;
        if let Opened::New { individual, .. } = opened {
            tracing::info!(tenant = %tenant.id, individual, "compte foyer créé");
        }
    }
    message_page(
        &pages,
        &tenant,
        &session,
        "Vérifiez votre messagerie",
        &format!(
            "Nous avons envoyé un message à {}. Ouvrez le lien qu’il contient pour confirmer votre adresse, puis connectez-vous. Le lien fonctionne pendant {} jours ; si vous ne trouvez pas le message, regardez dans les courriers indésirables.",
            p.get("email").trim(),
            foyers::CONFIRM_DAYS
        ),
        Some(("/connexion", "Aller à la page de connexion")),
    )
}

#[derive(Serialize)]
struct Message<'a> {
    layout: guichet_web::Layout,
    heading: &'a str,
    text: &'a str,
    link: Option<Link<'a>>,
}

#[derive(Serialize)]
struct Link<'a> {
    href: &'a str,
    label: &'a str,
}

/// Too many anonymous actions from one address this hour: said, with when
/// to come back.
pub(crate) fn too_many(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
) -> Result<HttpResponse, AppError> {
    let mut r = message_page(
        pages,
        tenant,
        session,
        "Trop de demandes",
        "Beaucoup de demandes sont venues de votre connexion en peu de temps : réessayez dans une heure. Si vous êtes dans un lieu public (médiathèque, mairie), adressez-vous à l’accueil.",
        Some(("/", "Retour à l’accueil")),
    )?;
    *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    Ok(r)
}

pub(crate) fn message_page(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
    heading: &str,
    text: &str,
    link: Option<(&str, &str)>,
) -> Result<HttpResponse, AppError> {
    render(
        pages,
        StatusCode::OK,
        "portal/message",
        &Message {
            layout: layout(tenant, heading, Nav::None, None, session)?,
            heading,
            text,
            link: link.map(|(href, label)| Link { href, label }),
        },
    )
}

/// The page a confirmation link opens: opening it confirms nothing (mail
/// scanners open links), the button on it does.
pub(crate) async fn confirm_page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    if !tx::read(&store, &tenant, move |x| foyers::confirm_link_works(x, &t)).await? {
        let mut r = message_page(
            &pages,
            &tenant,
            &session,
            "Lien expiré",
            "Ce lien ne fonctionne plus : il a déjà servi ou a expiré. Connectez-vous : si votre adresse n’est pas encore confirmée, un nouveau lien vous sera envoyé.",
            Some(("/connexion", "Se connecter")),
        )?;
        *r.status_mut() = StatusCode::NOT_FOUND;
        return Ok(r);
    }
    let layout = layout(
        &tenant,
        "Confirmer votre adresse",
        Nav::None,
        None,
        &session,
    )?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        "Confirmer votre adresse",
        Some("Pour terminer la création de votre compte, confirmez que cette adresse électronique est bien la vôtre."),
        Form::new(
            &format!("/compte/confirmer/{token}"),
            csrf::token(&session)?,
            "Confirmer mon adresse",
            Vec::new(),
        ),
    )
}

pub(crate) async fn confirm(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    match tx::write(&store, &tenant, move |t| foyers::confirm(t, &token)).await {
        Ok(_) => message_page(
            &pages,
            &tenant,
            &session,
            "Adresse confirmée",
            "Merci : votre adresse électronique est confirmée et votre compte est ouvert. Connectez-vous pour commencer vos démarches.",
            Some(("/connexion", "Se connecter")),
        ),
        Err(AppError::Conflict(m)) => {
            let mut r = message_page(&pages, &tenant, &session, "Lien expiré", &sentence(&m), Some(("/connexion", "Se connecter")))?;
            *r.status_mut() = StatusCode::NOT_FOUND;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

fn forgot_form(csrf_token: String, email: &str) -> Form {
    Form::new(
        "/mot-de-passe-oublie",
        csrf_token,
        "Recevoir un lien",
        vec![Section::plain(vec![Field::email(
            "email",
            "Adresse électronique de votre compte",
            email,
        )])],
    )
}

pub(crate) async fn forgot_page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let layout = layout(&tenant, "Mot de passe oublié", Nav::None, None, &session)?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        "Mot de passe oublié",
        Some("Indiquez l’adresse électronique de votre compte : nous y enverrons un lien pour choisir un nouveau mot de passe."),
        forgot_form(csrf::token(&session)?, ""),
    )
}

#[derive(Deserialize)]
pub(crate) struct Forgot {
    #[serde(default)]
    email: String,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn forgot(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    VerifiedForm(form): VerifiedForm<Forgot>,
) -> Result<HttpResponse, AppError> {
    let email = form.email.trim().to_lowercase();
    if let Err(e) = guichet_domain::contact::email(&email) {
        let mut f = forgot_form(csrf::token(&session)?, &email);
        f.field_errors(vec![guichet_core::error::FieldError::new("email", e)]);
        let layout = layout(
            &tenant,
            &guichet_web::render::title("mot de passe oublié", true),
            Nav::None,
            None,
            &session,
        )?;
        return form_page(
            &pages,
            StatusCode::BAD_REQUEST,
            layout,
            "Mot de passe oublié",
            None,
            f,
        );
    }
    // One link per address and minute or so: the throttle counts requests.
    let key = format!("reset:{email}@{}", tenant.slug);
    let (t, k) = (throttle.clone(), key.clone());
    let first = blocking(move || {
        let free = matches!(t.check(&k, client.0, false)?, Ok(w) if w.is_zero());
        if free {
            t.failed(&k, client.0)?;
        }
        Ok(free)
    })
    .await?;
    if first {
        let (here, login) = (tenant.site(), email.clone());
        tx::write(&store, &tenant, move |t| {
            foyers::request_reset(t, &login, &here)?;
            // No account, only requests filed without one: their links.
            guichet_cases::requests::follow::remind(t, &login, &here)
        })
        .await?;
    }
    message_page(
        &pages,
        &tenant,
        &session,
        "Vérifiez votre messagerie",
        &format!(
            "Si un compte existe pour {email}, un message vient d’y être envoyé avec un lien pour choisir un nouveau mot de passe. Le lien fonctionne pendant une heure."
        ),
        Some(("/connexion", "Retour à la page de connexion")),
    )
}

fn reset_form(csrf_token: String, token: &str) -> Form {
    Form::new(
        &format!("/mot-de-passe/{token}"),
        csrf_token,
        "Enregistrer le mot de passe",
        vec![Section::plain(vec![
            Field::password("password", "Nouveau mot de passe").hint(&format!(
                "{PASSWORD_MIN} caractères au moins. Une phrase facile à retenir convient très bien."
            )),
            Field::password("password_confirm", "Nouveau mot de passe, à nouveau"),
        ])],
    )
}

fn link_expired(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
) -> Result<HttpResponse, AppError> {
    let mut r = message_page(
        pages,
        tenant,
        session,
        "Lien expiré",
        "Ce lien ne fonctionne plus : il a déjà servi, ou il a plus d’une heure. Demandez-en un nouveau.",
        Some(("/mot-de-passe-oublie", "Demander un nouveau lien")),
    )?;
    *r.status_mut() = StatusCode::NOT_FOUND;
    Ok(r)
}

pub(crate) async fn reset_page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    if !tx::read(&store, &tenant, move |x| foyers::reset_link_works(x, &t)).await? {
        return link_expired(&pages, &tenant, &session);
    }
    let layout = layout(
        &tenant,
        "Choisir un nouveau mot de passe",
        Nav::None,
        None,
        &session,
    )?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        "Choisir un nouveau mot de passe",
        None,
        reset_form(csrf::token(&session)?, &token),
    )
}

#[derive(Deserialize)]
pub(crate) struct NewPassword {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub(crate) async fn reset(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
    VerifiedForm(form): VerifiedForm<NewPassword>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    if !tx::read(&store, &tenant, move |x| foyers::reset_link_works(x, &t)).await? {
        return link_expired(&pages, &tenant, &session);
    }
    let mut problem = None;
    if let Err(e) = guichet_domain::foyer::password(&form.password, "") {
        problem = Some(("password", e));
    } else if form.password != form.password_confirm {
        problem = Some((
            "password_confirm",
            "les deux mots de passe ne sont pas identiques : tapez-les à nouveau".into(),
        ));
    }
    if let Some((field, message)) = problem {
        let mut f = reset_form(csrf::token(&session)?, &token);
        f.field_errors(vec![guichet_core::error::FieldError::new(field, message)]);
        let layout = layout(
            &tenant,
            &guichet_web::render::title("choisir un nouveau mot de passe", true),
            Nav::None,
            None,
            &session,
        )?;
        return form_page(
            &pages,
            StatusCode::BAD_REQUEST,
            layout,
            "Choisir un nouveau mot de passe",
            None,
            f,
        );
    }
    let given = form.password;
    let hash = blocking(move || Ok(password::hash(&given))).await?;
    match tx::write(&store, &tenant, move |t| {
        foyers::reset_password(t, &token, &hash)
    })
    .await
    {
        Ok(_) => {
            session::sign_out(&session);
            message_page(
                &pages,
                &tenant,
                &session,
                "Mot de passe enregistré",
                "Votre nouveau mot de passe est enregistré. Connectez-vous avec lui.",
                Some(("/connexion", "Se connecter")),
            )
        }
        Err(AppError::Conflict(_)) => link_expired(&pages, &tenant, &session),
        Err(e) => Err(e),
    }
}
