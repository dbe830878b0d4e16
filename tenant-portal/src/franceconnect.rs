//! Sign-in with FranceConnect (`guichet_core::identity`): the first time, the
//! person links the identity to their foyer account (after its password) or
//! opens one filled from what FranceConnect says; afterwards they are signed
//! in at once. Signing out also signs out at FranceConnect.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_core::auth::password;
use guichet_core::auth::rate;
use guichet_core::auth::throttle::Throttle;
use guichet_core::foyers::{self, Opened, PersonForm};
use guichet_core::identity::{self, Flavor, Identity, IdentityError, ProviderConfig};
use guichet_core::store::repo::foyers as rows;
use guichet_core::store::Store;
use guichet_core::Error;
use guichet_web::client::{within, ClientAddr};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::{sealed, Field, Form, Pairs, Section};
use guichet_web::identity::{self as oidc, Arrival, Back};
use guichet_web::session::{self, SessionPrincipal};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{blocking, tx, AppError, Layout, Renderer};
use serde::{Deserialize, Serialize};

use crate::account::message_page;
use crate::page::{address_fields, base_url, layout, render, see_other, Section as Nav};

const PENDING: &str = "fc_pending";
/// The provider's name, as people know it.
pub(crate) const PROVIDER: &str = "FranceConnect";
const IDENTITY: &str = "fc_identity";
/// Kept in the session for the logout at FranceConnect.
pub(crate) const ID_TOKEN: &str = "fc_id_token";

/// The provider's settings, set by the server (`GUICHET_FRANCECONNECT_*`).
#[derive(Clone, Default)]
pub struct FranceConnect(pub Option<ProviderConfig>);

fn config(fc: &FranceConnect) -> Result<&ProviderConfig, AppError> {
    fc.0.as_ref().ok_or(AppError::NotFound)
}

fn unavailable(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
    e: &IdentityError,
) -> Result<HttpResponse, AppError> {
    let (title, text, status) = match e {
        IdentityError::Unavailable(detail) => {
            tracing::warn!(%detail, "FranceConnect injoignable");
            (
                "FranceConnect ne répond pas",
                "Le service FranceConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous avec votre adresse électronique et votre mot de passe.",
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
        IdentityError::Refused(detail) => {
            tracing::warn!(%detail, "réponse de FranceConnect refusée");
            (
                "Connexion refusée",
                "La réponse de FranceConnect n’a pas pu être vérifiée : vous n’êtes pas connecté. Recommencez depuis la page de connexion.",
                StatusCode::UNAUTHORIZED,
            )
        }
    };
    let mut r = message_page(
        pages,
        tenant,
        session,
        title,
        text,
        Some(("/connexion", "Retour à la page de connexion")),
    )?;
    *r.status_mut() = status;
    Ok(r)
}

pub(crate) async fn start(
    req: HttpRequest,
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    fc: web::Data<FranceConnect>,
) -> Result<HttpResponse, AppError> {
    let config = config(&fc)?;
    let redirect = format!("{}/connexion/franceconnect/retour", base_url(&req));
    match oidc::depart(&session, config, Flavor::FranceConnect, &redirect, PENDING).await? {
        Ok(url) => Ok(see_other(&url)),
        Err(e) => unavailable(&pages, &tenant, &session, &e),
    }
}

pub(crate) async fn back(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    fc: web::Data<FranceConnect>,
    query: web::Query<Back>,
) -> Result<HttpResponse, AppError> {
    let config = config(&fc)?;
    let who = match oidc::arrive(&session, config, Flavor::FranceConnect, PENDING, &query).await {
        Arrival::Identified(who) => who,
        Arrival::Failed(e) => return unavailable(&pages, &tenant, &session, &e),
        Arrival::Cancelled => {
            return message_page(
                &pages,
                &tenant,
                &session,
                "Connexion annulée",
                "La connexion avec FranceConnect n’a pas abouti. Vous pouvez recommencer, ou vous connecter avec votre adresse électronique et votre mot de passe.",
                Some(("/connexion", "Retour à la page de connexion")),
            )
        }
    };
    let (issuer, subject) = (who.issuer.clone(), who.subject.clone());
    let linked = tx::read(&store, &tenant, move |t| {
        let Some(person) = rows::linked_individual(t, &issuer, &subject)? else {
            return Ok(None);
        };
        foyers::account_of_individual(t, person)
    })
    .await?;
    match linked {
        Some(a) if a.enabled && !a.archived => {
            sign_in(&session, &tenant, a.individual, &who.id_token)
        }
        Some(a) if !a.enabled => Err(AppError::Conflict(
            "votre compte est désactivé : contactez votre mairie pour le réactiver".into(),
        )),
        _ => {
            session
                .insert(IDENTITY, &who)
                .map_err(|e| AppError::Internal(format!("session : {e}")))?;
            Ok(see_other("/connexion/franceconnect/lier"))
        }
    }
}

fn sign_in(
    session: &Session,
    tenant: &CurrentTenant,
    individual: i64,
    id_token: &str,
) -> Result<HttpResponse, AppError> {
    session::sign_in(session, &SessionPrincipal::household(tenant.id, individual))?;
    session
        .insert(ID_TOKEN, id_token)
        .map_err(|e| AppError::Internal(format!("session : {e}")))?;
    let _ = session.remove(IDENTITY);
    Ok(see_other("/mes-demandes"))
}

fn identity_of(session: &Session) -> Result<Identity, AppError> {
    session
        .get::<Identity>(IDENTITY)
        .ok()
        .flatten()
        .ok_or(AppError::SignInRequired(
            guichet_web::principal::HOUSEHOLD_SIGN_IN,
        ))
}

#[derive(Serialize)]
struct LinkPage {
    layout: Layout,
    name: String,
    link: Form,
    create: Form,
}

fn link_form(csrf_token: String, email: &str) -> Form {
    Form::new(
        "/connexion/franceconnect/lier",
        csrf_token,
        "Relier à mon compte",
        vec![Section::plain(vec![
            Field::email("email", "Adresse électronique de votre compte", email),
            Field::password("password", "Mot de passe de votre compte")
                .autocomplete("current-password"),
        ])],
    )
    .with_id("lier")
}

fn create_form(csrf_token: String, p: &Pairs) -> Form {
    let address = address_fields("address", |k| p.get(k), true, true);
    Form::new(
        "/connexion/franceconnect/creer",
        csrf_token,
        "Créer mon compte",
        vec![
            Section::titled(
                "Vous joindre",
                Some("Au moins un numéro de téléphone."),
                vec![
                    Field::tel("mobile_phone", "Téléphone portable", &p.get("mobile_phone")),
                    Field::tel("home_phone", "Téléphone du domicile", &p.get("home_phone")),
                ],
            ),
            Section::titled("Votre adresse", None, address),
        ],
    )
    .with_id("creer")
}

#[allow(clippy::too_many_arguments)]
fn link_page(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
    who: &Identity,
    link: Form,
    create: Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (link, create) = (sealed(link), sealed(create));
    let title = guichet_web::render::title(
        "Première connexion avec FranceConnect",
        link.has_errors() || create.has_errors(),
    );
    render(
        pages,
        status,
        "portal/franceconnect",
        &LinkPage {
            layout: layout(tenant, &title, Nav::None, None, session)?,
            name: format!("{} {}", who.given_name, who.family_name),
            link,
            create,
        },
    )
}

pub(crate) async fn link_page_get(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let who = identity_of(&session)?;
    let token = csrf::token(&session)?;
    link_page(
        &pages,
        &tenant,
        &session,
        &who,
        link_form(token.clone(), &who.email),
        create_form(token, &Pairs(Vec::new())),
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub(crate) struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn link(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    VerifiedForm(form): VerifiedForm<Credentials>,
) -> Result<HttpResponse, AppError> {
    let who = identity_of(&session)?;
    let email = form.email.trim().to_lowercase();
    let key = format!("foyer:{email}@{}", tenant.slug);
    let refuse = |message: &str, status| {
        let token = csrf::token(&session)?;
        let mut f = link_form(token.clone(), &email);
        f.general_error(message);
        link_page(
            &pages,
            &tenant,
            &session,
            &who,
            f,
            create_form(token, &Pairs(Vec::new())),
            status,
        )
    };
    if let Err(e) = guichet_web::client::pace(&throttle, &key, client, false).await {
        return refuse(&e.problem().detail, StatusCode::TOO_MANY_REQUESTS);
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
        Some(a) if right && a.enabled && !a.archived => a,
        _ => {
            guichet_web::client::signed_in(&throttle, &key, client, false).await?;
            return refuse(
                "adresse électronique ou mot de passe incorrect : vérifiez-les, ou créez votre compte ci-dessous",
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    guichet_web::client::signed_in(&throttle, &key, client, true).await?;
    let here = tenant.site();
    if !account.confirmed {
        // Knowing a password proves nothing of the address: an account
        // someone else opened with it must be confirmed by its owner first.
        let (login, person) = (account.login.clone(), account.individual);
        let subject = login.clone();
        if within(&store, rate::ACCOUNT_MAIL, tenant.id, subject).await? {
            tx::write(&store, &tenant, move |t| {
                foyers::send_confirmation(t, person, &login, &here)
            })
            .await?;
        }
        return refuse(
            "l’adresse électronique de ce compte n’est pas encore confirmée : nous venons de vous renvoyer le lien de confirmation ; ouvrez-le, puis connectez-vous à nouveau avec FranceConnect",
            StatusCode::FORBIDDEN,
        );
    }
    let (issuer, subject, person) = (who.issuer.clone(), who.subject.clone(), account.individual);
    tx::write(&store, &tenant, move |t| {
        foyers::link_identity(t, person, &issuer, &subject, PROVIDER, &here)
    })
    .await?;
    sign_in(&session, &tenant, account.individual, &who.id_token)
}

pub(crate) async fn create(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let who = identity_of(&session)?;
    let p = Pairs(pairs);
    let form = PersonForm {
        title: match who.gender.as_str() {
            "Female" => "Madam".into(),
            "Male" => "Mister".into(),
            _ => "Unknown".into(),
        },
        last_name: who.family_name.clone(),
        first_name: who.given_name.clone(),
        birth_date: who.birthdate.clone(),
        email: who.email.clone(),
        mobile_phone: p.get("mobile_phone"),
        home_phone: p.get("home_phone"),
        ..PersonForm::default()
    };
    let visitor = match foyers::check_visitor(|k| p.get(k), &form, guichet_domain::time::today()) {
        Ok(v) => v,
        Err(e) => {
            let token = csrf::token(&session)?;
            let mut f = create_form(token.clone(), &p);
            let status = f.refused(e.into())?;
            return link_page(
                &pages,
                &tenant,
                &session,
                &who,
                link_form(token, &who.email),
                f,
                status,
            );
        }
    };
    let (here, w) = (tenant.site(), who.clone());
    let opened = tx::write(&store, &tenant, move |t| {
        match foyers::open_account(t, &visitor, None, &here)? {
            Opened::New { individual, .. } => {
                // The address is the one FranceConnect's provider vouches for.
                rows::confirm_login(t, individual, chrono::Utc::now().naive_utc())?;
                foyers::link_identity(t, individual, &w.issuer, &w.subject, PROVIDER, &here)?;
                Ok(Some(individual))
            }
            Opened::Existing => Ok::<_, Error>(None),
        }
    })
    .await?;
    match opened {
        Some(individual) => sign_in(&session, &tenant, individual, &who.id_token),
        None => {
            let token = csrf::token(&session)?;
            let mut f = link_form(token.clone(), &who.email);
            f.general_error("un compte existe déjà avec l’adresse électronique que FranceConnect nous a donnée : reliez-le avec son mot de passe");
            link_page(
                &pages,
                &tenant,
                &session,
                &who,
                f,
                create_form(token, &p),
                StatusCode::CONFLICT,
            )
        }
    }
}

/// Where signing out sends the browser: FranceConnect's logout, when the
/// session came from it.
pub(crate) async fn logout_target(
    req: &HttpRequest,
    session: &Session,
    fc: &FranceConnect,
) -> String {
    let (Some(config), Ok(Some(id_token))) = (fc.0.as_ref(), session.get::<String>(ID_TOKEN))
    else {
        return "/".into();
    };
    let back = format!("{}/", base_url(req));
    let state = foyers::new_secret().0;
    match identity::logout_url(config, &id_token, &state, &back).await {
        Ok(Some(url)) => url,
        _ => "/".into(),
    }
}

/// Middleware of the portal's pages: with FranceConnect, signing out goes on
/// to its sign-out page (the redirection after the sign-out form), which the
/// pages' CSP must allow in `form-action`.
pub async fn allow_sign_out(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let origin = req
        .app_data::<web::Data<FranceConnect>>()
        .and_then(|fc| fc.0.as_ref())
        .and_then(|c| url::Url::parse(&c.issuer).ok())
        .map(|u| u.origin().ascii_serialization());
    let mut res = next.call(req).await?;
    if let Some(origin) = origin {
        guichet_web::security::allow_form_action(res.headers_mut(), &origin);
    }
    Ok(res)
}
