//! Payments as agents follow them: the search and its export, a payment's
//! page (checked again at the bank on demand), the reconciliation with the
//! bank's statement, and the payments' settings.

use super::*;

// --- Payments.

#[derive(Serialize)]
struct SearchPage {
    layout: Layout,
    form: Form,
    payments: Vec<PaymentView>,
    total: i64,
    query: String,
    previous: Option<String>,
    next: Option<String>,
    sorts: Vec<SortLink>,
}

#[derive(Serialize)]
struct SortLink {
    label: &'static str,
    href: String,
    current: bool,
}

fn query_string(q: &PaymentQuery, tri: &str, page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("etat", &q.etat), ("regie", &q.regie), ("mode", &q.mode)] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if !tri.is_empty() {
        s.append_pair("tri", tri);
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    s.finish()
}

pub(crate) async fn search(
    office: Office,
    query: web::Query<PaymentQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let q2 = q.clone();
    let (desk, ((found, total), list)) = office
        .report(move |t, desk| {
            desk::administrator(desk)?;
            Ok((tracking::search(t, &q2)?, regies::list(t)?))
        })
        .await?;
    let form = Form::search(
        "/backoffice/paiements",
        "Rechercher",
        vec![Section::plain(vec![
            Field::select(
                "etat",
                "État du paiement",
                options(
                    "Tous",
                    &q.etat,
                    PaymentState::ALL
                        .iter()
                        .map(|s| (s.code().to_owned(), s.label().to_owned())),
                ),
            )
            .optional(),
            Field::select(
                "regie",
                "Régie",
                options(
                    "Toutes",
                    &q.regie,
                    list.iter().map(|r| (r.id.to_string(), r.label.clone())),
                ),
            )
            .optional(),
            Field::select(
                "mode",
                "Mode de paiement",
                options(
                    "Tous",
                    &q.mode,
                    PaymentMode::ALL
                        .iter()
                        .map(|m| (m.code().to_owned(), m.label().to_owned())),
                ),
            )
            .optional(),
        ])],
    )
    .hidden("tri", &q.tri)
    .with_id("recherche");
    let page = q.page();
    let pages_count = (total + tracking::PAGE_SIZE - 1) / tracking::PAGE_SIZE;
    let sorts = [
        ("date", "Date de début"),
        ("usager", "Nom de l’usager"),
        ("compte", "Numéro de compte"),
    ]
    .into_iter()
    .map(|(key, label)| SortLink {
        label,
        href: format!("/backoffice/paiements?{}", query_string(&q, key, 1)),
        current: q.tri == key || (key == "date" && !matches!(q.tri.as_str(), "usager" | "compte")),
    })
    .collect();
    office.page(
        "backoffice/payments",
        &SearchPage {
            layout: office.layout(&desk, "Paiements", Nav::Payments)?,
            form: sealed(form),
            payments: found,
            total,
            query: query_string(&q, &q.tri, 1),
            previous: (page > 1).then(|| query_string(&q, &q.tri, page - 1)),
            next: (page < pages_count).then(|| query_string(&q, &q.tri, page + 1)),
            sorts,
        },
    )
}

/// The payments found, every one, as CSV for the accounting service,
/// streamed a thousand payments per read transaction.
pub(crate) async fn export(
    office: Office,
    query: web::Query<PaymentQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    // Checked before the first byte.
    office.read(|_, desk| desk::administrator(desk)).await?;
    let body = guichet_web::tx::stream(
        &office.store,
        &office.agent,
        office.written.clone(),
        move |p| {
            let (db, body) = (&p.db, &mut p.body);
            let mut sheet = Sheet::start(Format::Csv, body, "Paiements")?;
            let head: Vec<Cell> = tracking::EXPORT_COLUMNS
                .iter()
                .map(|c| (*c).into())
                .collect();
            sheet.row(&head)?;
            let mut offset = 0;
            loop {
                let rows = db
                    .read(|t| tracking::export_page(t, &q, offset))
                    .map_err(std::io::Error::other)?;
                if rows.is_empty() {
                    break;
                }
                offset += rows.len() as i64;
                for line in &rows {
                    sheet.row(line)?;
                }
            }
            sheet.finish()
        },
    );
    Ok(HttpResponse::Ok()
        .content_type(Format::Csv.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"paiements.csv\"",
        ))
        .streaming(body))
}

#[derive(Serialize)]
struct PaymentPage {
    layout: Layout,
    payment: PaymentView,
    events: Vec<online::EventView>,
    csrf_token: String,
    error: Option<String>,
}

async fn payment_page(
    office: &Office,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (desk, (payment, events)) = office
        .read(move |t, desk| {
            desk::administrator(desk)?;
            Ok((online::view(t, None, id)?, online::events(t, id)?))
        })
        .await?;
    let title = format!("Paiement {}", payment.reference);
    let layout = office.layout(&desk, &title, Nav::Payments)?;
    Ok(html(
        status,
        office.pages.render(
            "backoffice/payment",
            &PaymentPage {
                layout,
                payment,
                events,
                csrf_token: office.csrf()?,
                error,
            },
        )?,
    ))
}

pub(crate) async fn show(office: Office, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    payment_page(&office, id.into_inner(), StatusCode::OK, None).await
}

/// Asks the bank now what became of a payment in progress.
pub(crate) async fn recheck(
    office: Office,
    online: web::Data<Online>,
    id: web::Path<i64>,
    VerifiedForm(_): VerifiedForm<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    office
        .read(move |t, desk| {
            desk::administrator(desk)?;
            online::view(t, None, id).map(drop)
        })
        .await?;
    let (tenant, s, provider) = (
        office.agent.tenant.id,
        office.store.clone(),
        online.0.clone(),
    );
    let asked = blocking(move || {
        online::check(&s, tenant, provider.as_ref(), id, "poll").map_err(AppError::from)
    })
    .await;
    match asked {
        Ok(_) => Ok(see_other(format!("/backoffice/paiements/{id}"))),
        Err(AppError::Conflict(m)) => {
            let m = Some(guichet_web::sentence(&m));
            payment_page(&office, id, StatusCode::SERVICE_UNAVAILABLE, m).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DayQuery {
    regie: String,
    jour: String,
}

#[derive(Serialize)]
struct ReconciliationPage {
    layout: Layout,
    form: Form,
    result: Option<Reconciliation>,
}

pub(crate) async fn reconciliation(
    office: Office,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let day = guichet_core::domain::forms::parse_date(q.jour.trim())
        .unwrap_or_else(guichet_core::domain::time::today);
    let regie: Option<i64> = q.regie.parse().ok();
    let (desk, (list, result)) = office
        .read(move |t, desk| {
            desk::administrator(desk)?;
            let list = regies::list(t)?;
            let chosen = regie.or_else(|| list.first().map(|r| r.id));
            let result = match chosen {
                Some(r) => Some(tracking::reconcile(t, r, day)?),
                None => None,
            };
            Ok((list, result))
        })
        .await?;
    let chosen = regie.map(|r| r.to_string()).unwrap_or_default();
    let form = Form::search(
        "/backoffice/paiements/rapprochement",
        "Afficher",
        vec![Section::plain(vec![
            Field::select(
                "regie",
                "Régie",
                list.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let on = r.id.to_string() == chosen || (chosen.is_empty() && i == 0);
                        (r.id.to_string(), r.label.clone(), on)
                    })
                    .collect(),
            ),
            Field::date("jour", "Jour", &day.format("%Y-%m-%d").to_string()),
        ])],
    )
    .with_id("jour");
    office.page(
        "backoffice/reconciliation",
        &ReconciliationPage {
            layout: office.layout(&desk, "Rapprochement des paiements", Nav::Payments)?,
            form: sealed(form),
            result,
        },
    )
}

// --- Settings.

const SETTINGS: &str = "Réglages des paiements";

fn settings_form(csrf_token: String, v: &SettingsInput) -> Form {
    Form::new(
        "/backoffice/paiements/reglages",
        csrf_token,
        "Enregistrer les réglages",
        vec![
            Section::titled(
                "Suspendre le paiement en ligne",
                Some("Pendant cette période, « Mes paiements » montre votre message au lieu du paiement. Laissez les dates vides pour ne rien suspendre."),
                vec![
                    Field::date("off_from", "Suspendu à partir du", &v.off_from).optional(),
                    Field::date("off_until", "Jusqu’au (inclus)", &v.off_until).optional(),
                    Field::textarea("off_message", "Message aux usagers pendant la suspension", &v.off_message)
                        .optional(),
                ],
            ),
            Section::titled(
                "Ce que les usagers voient",
                None,
                vec![
                    Field::checkbox("show_in_progress", "Montrer les paiements en cours", v.show_in_progress),
                    Field::checkbox("show_history", "Montrer l’historique des paiements", v.show_history),
                ],
            ),
        ],
    )
}

pub(crate) async fn settings_page(office: Office) -> Result<HttpResponse, AppError> {
    let (desk, current) = office
        .read(|t, desk| {
            desk::administrator(desk)?;
            online::settings(t)
        })
        .await?;
    let layout = office.layout(&desk, SETTINGS, Nav::Payments)?;
    form_page(
        &office.pages,
        StatusCode::OK,
        layout,
        SETTINGS,
        None,
        settings_form(office.csrf()?, &tracking::input_of(&current)),
    )
}

pub(crate) async fn settings_save(
    office: Office,
    VerifiedForm(pairs): VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let p = Pairs(pairs);
    let input = SettingsInput {
        off_from: p.get("off_from"),
        off_until: p.get("off_until"),
        off_message: p.get("off_message"),
        show_in_progress: p.get("show_in_progress") == "oui",
        show_history: p.get("show_history") == "oui",
    };
    let i = input.clone();
    let saved = office
        .write(move |t, desk| {
            desk::administrator(desk)?;
            let actor = desk.name.as_str();
            tracking::save_settings(t, actor, &i)
        })
        .await;
    match saved {
        Ok(()) => see_other_with(
            &office.session,
            "/backoffice/paiements/reglages",
            "Les réglages des paiements sont enregistrés.",
        ),
        Err(e @ AppError::Invalid(_)) => {
            let (desk, ()) = office.read(|_, desk| desk::administrator(desk)).await?;
            let layout = office.layout(
                &desk,
                &guichet_web::render::title(SETTINGS, true),
                Nav::Payments,
            )?;
            let mut form = settings_form(office.csrf()?, &input);
            let status = form.refused(e)?;
            form_page(&office.pages, status, layout, SETTINGS, None, form)
        }
        Err(e) => Err(e),
    }
}
