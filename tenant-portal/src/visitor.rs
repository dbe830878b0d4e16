//! Requests filed without an account (civil status certificates): the
//! visitor says who they are, a foyer is made for the request alone, and a
//! link mailed to them resumes the draft (the last one sent only).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use guichet_cases::requests;
use guichet_core::auth::rate;
use guichet_core::foyers;
use guichet_core::store::Store;
use guichet_domain::foyer::Title;
use guichet_web::client::{within, ClientAddr};
use guichet_web::csrf::{self, VerifiedForm};
use guichet_web::forms::{form_page, Field, Form, Pairs, Section};
use guichet_web::session::{self, SessionPrincipal};
use guichet_web::tenant::CurrentTenant;
use guichet_web::{tx, AppError, Renderer};

use crate::page::{address_fields, layout, person_form, see_other, Home, Section as Nav};
use crate::steps::after_step;

fn visitor_form(code: &str, csrf_token: String, p: &Pairs) -> Form {
    let title = p.get("title");
    let address = address_fields("address", |k| p.get(k), true, true);
    Form::new(
        &format!("/demarches/{code}/sans-compte"),
        csrf_token,
        "Commencer la demande",
        vec![
            Section::titled(
                "Vous",
                None,
                vec![
                    Field::radios(
                        "title",
                        "Civilité",
                        Title::ALL
                            .into_iter()
                            .map(|t| (t.code().to_owned(), t.label().to_owned(), title == t.code()))
                            .collect(),
                    ),
                    Field::text("last_name", "Nom", &p.get("last_name")).autocomplete("family-name"),
                    Field::text("first_name", "Prénom", &p.get("first_name")).autocomplete("given-name"),
                    Field::email("email", "Adresse électronique", &p.get("email")).hint(
                        "Nous y enverrons le reçu, le suivi de la demande et, si vous l’enregistrez pour plus tard, le lien pour la reprendre.",
                    ),
                    Field::tel("mobile_phone", "Téléphone portable", &p.get("mobile_phone"))
                        .hint("Au moins un numéro, pour que la mairie puisse vous joindre."),
                    Field::tel("home_phone", "Téléphone du domicile", &p.get("home_phone")),
                ],
            ),
            Section::titled("Votre adresse", Some("Là où le document vous sera envoyé."), address),
        ],
    )
}

/// The offer, if it can be filed without an account.
async fn offer(
    store: &Store,
    tenant: &CurrentTenant,
    code: &str,
) -> Result<guichet_core::catalogue::offer::Offer, AppError> {
    let code = code.to_owned();
    let offer = tx::read(store, tenant, move |t| {
        guichet_core::catalogue::offer::offer(t, &code)
    })
    .await?;
    if offer.form.account_needed {
        return Err(AppError::NotFound);
    }
    Ok(offer)
}

pub(crate) async fn page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let offer = offer(&store, &tenant, &code).await?;
    let form = visitor_form(&code, csrf::token(&session)?, &Pairs(Vec::new()));
    let heading = format!("{} : sans compte", offer.teleservice.label);
    let layout = layout(&tenant, &heading, Nav::Catalogue, None, &session)?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        &heading,
        Some("Dites-nous qui vous êtes : ces informations servent à traiter votre demande et à vous répondre."),
        form,
    )
}

pub(crate) async fn start(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    code: web::Path<String>,
    client: ClientAddr,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let offer = offer(&store, &tenant, &code).await?;
    let p = Pairs(pairs);
    let form = person_form(&p);
    let checked = foyers::check_visitor(|k| p.get(k), &form, guichet_domain::time::today());
    let visitor = match checked {
        Ok(v) => v,
        Err(e) => {
            let mut f = visitor_form(&code, csrf::token(&session)?, &p);
            let status = f.refused(e.into())?;
            let heading = format!("{} : sans compte", offer.teleservice.label);
            let layout = layout(
                &tenant,
                &guichet_web::render::title(&heading, true),
                Nav::Catalogue,
                None,
                &session,
            )?;
            return form_page(&pages, status, layout, &heading, None, f);
        }
    };
    // Each start makes a foyer and a session: a few an hour per address.
    if !within(
        &store,
        rate::VISITOR_FROM_ADDRESS,
        tenant.id,
        client.subject(),
    )
    .await?
    {
        return crate::account::too_many(&pages, &tenant, &session);
    }
    let (t, code) = (tenant.clone(), code.into_inner());
    let (person, id, first) = tx::write(&store, &tenant, move |x| {
        let (household, person) = foyers::open_temporary(x, &visitor)?;
        let foyer = foyers::foyer(x, household)?;
        let settings = guichet_core::collectivite::settings::current(x)?;
        let (city, postal) = requests::commune(&t);
        let id = requests::start(x, &code, &foyer, person, None, &settings, (&city, &postal))?;
        let first = requests::filed(x, household, id)?
            .next_step()
            .map(|s| s.key.clone());
        Ok::<_, guichet_core::Error>((person, id, first))
    })
    .await?;
    session::sign_in(&session, &SessionPrincipal::household(tenant.id, person))?;
    Ok(see_other(after_step(id, first.as_deref(), false)))
}

/// A resume link: the visitor is back on their draft.
pub(crate) async fn resume(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    match tx::read(&store, &tenant, move |t| requests::resume(t, &token)).await {
        Ok((person, id)) => {
            session::sign_in(&session, &SessionPrincipal::household(tenant.id, person))?;
            Ok(see_other(format!("/mes-demandes/{id}")))
        }
        Err(AppError::NotFound) => {
            let mut r = crate::account::message_page(
                &pages,
                &tenant,
                &session,
                "Lien expiré",
                "Ce lien ne permet plus de reprendre la demande : un lien plus récent vous a été envoyé, la demande a été envoyée ou supprimée, ou le délai de reprise est dépassé.",
                Some(("/", "Voir les démarches en ligne")),
            )?;
            *r.status_mut() = StatusCode::NOT_FOUND;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

// Following a request filed without an account (`guichet_cases::requests::follow`).

fn follow_expired(
    pages: &Renderer,
    tenant: &CurrentTenant,
    session: &Session,
) -> Result<HttpResponse, AppError> {
    let mut r = crate::account::message_page(
        pages,
        tenant,
        session,
        "Lien expiré",
        "Ce lien de suivi ne fonctionne plus : il a déjà servi, un lien plus récent vous a été envoyé, ou il a plus de 30 jours. Demandez-en un nouveau avec le numéro de votre demande.",
        Some(("/suivi", "Recevoir un nouveau lien de suivi")),
    )?;
    *r.status_mut() = StatusCode::NOT_FOUND;
    Ok(r)
}

/// The page a follow-up link opens: opening it spends nothing (mail
/// scanners open links), its button does.
pub(crate) async fn follow_page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    if !tx::read(&store, &tenant, move |x| {
        guichet_cases::requests::follow::works(x, &t)
    })
    .await?
    {
        return follow_expired(&pages, &tenant, &session);
    }
    let layout = layout(&tenant, "Suivre votre demande", Nav::None, None, &session)?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        "Suivre votre demande",
        Some("Vous avez fait cette demande sans compte : ce lien vous y conduit, une fois."),
        Form::new(
            &format!("/suivi/{token}"),
            csrf::token(&session)?,
            "Ouvrir ma demande",
            Vec::new(),
        ),
    )
}

pub(crate) async fn follow_open(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    token: web::Path<String>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    match tx::write(&store, &tenant, move |t| {
        guichet_cases::requests::follow::open(t, &token)
    })
    .await
    {
        Ok((person, id)) => {
            session::sign_in(&session, &SessionPrincipal::household(tenant.id, person))?;
            Ok(see_other(format!("/mes-demandes/{id}")))
        }
        Err(AppError::NotFound) => follow_expired(&pages, &tenant, &session),
        Err(e) => Err(e),
    }
}

fn renew_form(csrf_token: String, p: &Pairs) -> Form {
    Form::new(
        "/suivi",
        csrf_token,
        "Recevoir un lien de suivi",
        vec![Section::plain(vec![
            Field::text("numero", "Numéro de la demande", &p.get("numero"))
                .hint("Il figure dans le courriel de confirmation et sur le reçu."),
            Field::email(
                "email",
                "Adresse électronique donnée avec la demande",
                &p.get("email"),
            ),
        ])],
    )
}

/// A new follow-up link, asked with the request's number and the address.
pub(crate) async fn renew_page(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
) -> Result<HttpResponse, AppError> {
    let layout = layout(
        &tenant,
        "Suivre une demande faite sans compte",
        Nav::None,
        None,
        &session,
    )?;
    form_page(
        &pages,
        StatusCode::OK,
        layout,
        "Suivre une demande faite sans compte",
        Some("Nous envoyons un lien de suivi à l’adresse donnée avec la demande. Avec un compte, retrouvez plutôt vos demandes dans « Mes demandes »."),
        renew_form(csrf::token(&session)?, &Pairs(Vec::new())),
    )
}

pub(crate) async fn renew(
    tenant: CurrentTenant,
    session: Session,
    pages: web::Data<Renderer>,
    store: web::Data<Store>,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(pairs);
    let mut checks = guichet_core::error::Checks::default();
    let number = match p
        .get("numero")
        .trim()
        .trim_start_matches("n°")
        .trim()
        .parse::<i64>()
    {
        Ok(n) if n > 0 => n,
        _ => {
            checks.add("numero", "indiquez le numéro de la demande (des chiffres)");
            0
        }
    };
    let email = checks.take("email", guichet_domain::contact::email(&p.get("email")));
    if let Err(e) = checks.finish() {
        let mut form = renew_form(csrf::token(&session)?, &p);
        let status = form.refused(e.into())?;
        let layout = layout(
            &tenant,
            &guichet_web::render::title("suivre une demande faite sans compte", true),
            Nav::None,
            None,
            &session,
        )?;
        return form_page(
            &pages,
            status,
            layout,
            "Suivre une demande faite sans compte",
            None,
            form,
        );
    }
    // A few an hour to one address; the page says the same either way.
    if within(&store, rate::RESUME_MAIL, tenant.id, email.clone()).await? {
        let here = tenant.site();
        let to = email.clone();
        tx::write(&store, &tenant, move |t| {
            guichet_cases::requests::follow::send_again(t, number, &to, &here)
        })
        .await?;
    }
    crate::account::message_page(
        &pages,
        &tenant,
        &session,
        "Vérifiez votre messagerie",
        &format!("Si la demande n° {number} a été faite sans compte avec l’adresse {email}, un lien pour la suivre vient d’y être envoyé."),
        Some(("/", "Retour à l’accueil")),
    )
}

#[derive(serde::Deserialize)]
pub(crate) struct Keep {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// From a request filed without an account: the person keeps it in an
/// account of their own (their address its login, to be confirmed).
pub(crate) async fn keep(
    home: Home,
    VerifiedForm(form): VerifiedForm<Keep>,
) -> Result<HttpResponse, AppError> {
    let refuse = |message: &str| {
        let mut r = crate::account::message_page(
            &home.pages,
            &home.who.tenant,
            &home.session,
            &guichet_web::render::title("compte non créé", true),
            &guichet_web::sentence(message),
            Some(("/mes-demandes", "Retour à ma demande")),
        )?;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        Ok::<_, AppError>(r)
    };
    let email = tx::read(&home.store, &home.who, {
        let person = home.who.account_id;
        move |t| {
            Ok::<_, guichet_core::Error>(
                guichet_core::store::repo::foyers::individual(t, person)?
                    .map(|p| p.email)
                    .unwrap_or_default(),
            )
        }
    })
    .await?;
    if let Err(e) = guichet_domain::foyer::password(&form.password, &email) {
        return refuse(&e);
    }
    if form.password != form.password_confirm {
        return refuse("les deux mots de passe ne sont pas identiques : saisissez-les à nouveau");
    }
    let given = form.password;
    let hash =
        guichet_web::blocking(move || Ok(guichet_core::auth::password::hash(&given))).await?;
    let (person, here) = (home.who.account_id, home.who.tenant.site());
    match tx::write(&home.store, &home.who, move |t| {
        foyers::keep_as_account(t, person, &hash, &here)
    })
    .await
    {
        Ok(()) => crate::account::message_page(
            &home.pages,
            &home.who.tenant,
            &home.session,
            "Votre compte est créé",
            "Vos demandes y sont gardées. Pour vous connecter ensuite avec votre adresse et ce mot de passe, ouvrez le lien de confirmation que nous venons de vous envoyer par courriel.",
            Some(("/mes-demandes", "Voir mes demandes")),
        ),
        Err(AppError::Conflict(m)) => refuse(&m),
        Err(e) => Err(e),
    }
}
