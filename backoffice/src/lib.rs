//! The back office, where the collectivité's agents process requests. Served
//! under `/backoffice/`, behind the tenant gate.

pub mod api;
mod appearance;
mod case;
mod cases;
mod categories;
mod contact;
mod counter;
mod courriers;
mod data;
mod desk;
mod foyers;
mod justificatifs;
mod parameters;
mod password;
mod payments;
mod proconnect;
mod session;
mod settings;
mod statistics;
mod studio;
mod teleservices;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use guichet_web::routes::{RouteTable, Who::*};
use guichet_web::Renderer;
use rust_embed::RustEmbed;

pub use contact::Sms;
pub use proconnect::ProConnect;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub fn templates(renderer: &mut Renderer) {
    renderer.add::<Templates>();
}

/// Every route of the back office, relative to `/backoffice`, with who may
/// call it and what it does.
pub fn routes() -> RouteTable {
    RouteTable::new()
        .get("", Anyone, "home.redirect", to_home)
        .get("/", Agent, "desk.board", cases::board)
        .get("/demandes", Agent, "requests.search", cases::search)
        .post("/demandes/lot", Agent, "requests.batch", cases::batch)
        .get("/demandes/{id}", Agent, "request.open", case::page)
        .get(
            "/demandes/{id}/imprimer.pdf",
            Agent,
            "request.print",
            case::print,
        )
        .get(
            "/demandes/{id}/attestation.pdf",
            Agent,
            "request.certificate",
            case::certificate,
        )
        .get("/studio", Agent, "studio.list", studio::list)
        .post("/studio", Agent, "studio.create", studio::create)
        .get("/studio/{code}", Agent, "studio.form", studio::page)
        .post(
            "/studio/{code}/publication",
            Agent,
            "studio.publish",
            studio::publish,
        )
        .get(
            "/studio/{code}/definition.json",
            Agent,
            "studio.export",
            studio::export,
        )
        .get(
            "/teleservices",
            Agent,
            "teleservices.list",
            teleservices::list,
        )
        .get(
            "/teleservices/{code}",
            Agent,
            "teleservice.show",
            teleservices::page,
        )
        .post(
            "/teleservices/{code}/en-ligne",
            Agent,
            "teleservice.online",
            teleservices::online,
        )
        .post(
            "/teleservices/{code}/delais",
            Agent,
            "teleservice.delays",
            teleservices::delays,
        )
        .post(
            "/teleservices/{code}/justificatifs",
            Agent,
            "requirement.put",
            teleservices::put_requirement,
        )
        .post(
            "/teleservices/{code}/justificatifs/{type}/retirer",
            Agent,
            "requirement.remove",
            teleservices::remove_requirement,
        )
        .post(
            "/teleservices/{code}/saisons",
            Agent,
            "season.create",
            teleservices::add_season,
        )
        .post(
            "/teleservices/{code}/saisons/{id}",
            Agent,
            "season.update",
            teleservices::change_season,
        )
        .post(
            "/teleservices/{code}/saisons/{id}/supprimer",
            Agent,
            "season.delete",
            teleservices::delete_season,
        )
        .get(
            "/teleservices/{code}/listes/{list}",
            Agent,
            "parameters.show",
            parameters::page,
        )
        .post(
            "/teleservices/{code}/listes/{list}",
            Agent,
            "parameter.add",
            parameters::add,
        )
        .post(
            "/teleservices/{code}/listes/{list}/{key}",
            Agent,
            "parameter.rename",
            parameters::rename,
        )
        .post(
            "/teleservices/{code}/listes/{list}/{key}/{action}",
            Agent,
            "parameter.act",
            parameters::act,
        )
        .get(
            "/teleservices/{code}/courriers",
            Agent,
            "courriers.list",
            courriers::list,
        )
        .post(
            "/teleservices/{code}/courriers",
            Agent,
            "courrier.create",
            courriers::create,
        )
        .get(
            "/teleservices/{code}/courriers/{id}",
            Agent,
            "courrier.show",
            courriers::page,
        )
        .post(
            "/teleservices/{code}/courriers/{id}",
            Agent,
            "courrier.save",
            courriers::save,
        )
        .post(
            "/teleservices/{code}/courriers/{id}/supprimer",
            Agent,
            "courrier.delete",
            courriers::delete,
        )
        .get(
            "/teleservices/{code}/courriers/{id}/apercu.pdf",
            Agent,
            "courrier.preview-pdf",
            courriers::preview_pdf,
        )
        .get(
            "/demandes/{id}/contacter",
            Agent,
            "request.contact-form",
            contact::page,
        )
        .post(
            "/demandes/{id}/contacter",
            Agent,
            "request.contact",
            contact::send,
        )
        .get(
            "/demandes/{id}/contacts/{action}",
            Agent,
            "request.contact-sent",
            contact::sent,
        )
        .get(
            "/demandes/{id}/contacts/{action}/courrier.pdf",
            Agent,
            "request.contact-letter",
            contact::letter_pdf,
        )
        .get("/statistiques", Agent, "statistics.show", statistics::page)
        .get(
            "/statistiques/{file}",
            Agent,
            "statistics.table",
            statistics::table,
        )
        .get(
            "/exports/{file}",
            Agent,
            "requests.export",
            statistics::requests,
        )
        .get("/paiements", Agent, "payments.search", payments::search)
        .get(
            "/paiements/export.csv",
            Agent,
            "payments.export",
            payments::export,
        )
        .get(
            "/paiements/rapprochement",
            Agent,
            "payments.reconciliation",
            payments::reconciliation,
        )
        .get(
            "/paiements/reglages",
            Agent,
            "payments.settings",
            payments::settings_page,
        )
        .post(
            "/paiements/reglages",
            Agent,
            "payments.settings-save",
            payments::settings_save,
        )
        .get("/paiements/{id}", Agent, "payment.show", payments::show)
        .post(
            "/paiements/{id}/relire",
            Agent,
            "payment.recheck",
            payments::recheck,
        )
        .get("/regies", Agent, "regies.list", payments::regies_list)
        .post("/regies", Agent, "regie.create", payments::regie_create)
        .get("/regies/{id}", Agent, "regie.show", payments::regie_show)
        .post(
            "/regies/{id}",
            Agent,
            "regie.update",
            payments::regie_update,
        )
        .post(
            "/regies/{id}/factures",
            Agent,
            "invoice.create",
            payments::invoice_create,
        )
        .post(
            "/regies/{id}/import",
            Agent,
            "invoices.import",
            payments::import,
        )
        .post(
            "/regies/{id}/comptes",
            Agent,
            "account.create",
            payments::account_create,
        )
        .post("/regies/{id}/frais", Agent, "fee.set", payments::fee_set)
        .post(
            "/regies/{id}/categories",
            Agent,
            "regie.categories",
            payments::categories_set,
        )
        .post(
            "/regies/{id}/carte",
            Agent,
            "payment.card",
            payments::card_record,
        )
        .get("/categories", Agent, "categories.list", categories::list)
        .post("/categories", Agent, "category.create", categories::create)
        .get("/categories/{id}", Agent, "category.show", categories::show)
        .post(
            "/categories/{id}/modifier",
            Agent,
            "category.update",
            categories::update,
        )
        .post(
            "/categories/{id}/supprimer",
            Agent,
            "category.delete",
            categories::delete,
        )
        .post(
            "/categories/{id}/teleservices",
            Agent,
            "category.teleservice",
            categories::teleservice,
        )
        .post(
            "/categories/{id}/droits",
            Agent,
            "category.rights",
            categories::rights,
        )
        .get("/apparence", Agent, "appearance.show", appearance::page)
        .post(
            "/apparence/{kind}",
            Agent,
            "appearance.replace",
            appearance::replace,
        )
        .post(
            "/apparence/{kind}/restaurer",
            Agent,
            "appearance.restore",
            appearance::restore,
        )
        .get(
            "/apparence/{kind}/{slot}",
            Agent,
            "appearance.file",
            appearance::file,
        )
        .get(
            "/documents/{kind}",
            Agent,
            "appearance.document",
            appearance::document,
        )
        .get("/parametres", Agent, "settings.show", settings::page)
        .post("/parametres", Agent, "settings.save", settings::save)
        .get(
            "/parametres/pages/{code}",
            Agent,
            "settings.legal-page",
            settings::legal_page,
        )
        .post(
            "/parametres/pages/{code}",
            Agent,
            "settings.legal-page-save",
            settings::save_legal_page,
        )
        .get("/foyers", Agent, "foyers.search", foyers::search)
        .get(
            "/foyers/nouveau",
            Agent,
            "foyer.new-form",
            counter::new_foyer_page,
        )
        .post(
            "/foyers/nouveau",
            Agent,
            "foyer.create",
            counter::create_foyer,
        )
        .get("/foyers/{id}", Agent, "foyer.show", foyers::page)
        .get(
            "/foyers/{id}/demandes/nouvelle",
            Agent,
            "counter.start-form",
            counter::start_page,
        )
        .post(
            "/foyers/{id}/demandes/nouvelle",
            Agent,
            "counter.start",
            counter::start,
        )
        .get(
            "/guichet/{id}/etapes/{step}",
            Agent,
            "counter.step-form",
            counter::step_page,
        )
        .post(
            "/guichet/{id}/etapes/{step}",
            Agent,
            "counter.step-save",
            counter::save_step,
        )
        .get(
            "/guichet/{id}/envoi",
            Agent,
            "counter.send-form",
            counter::send_page,
        )
        .post("/guichet/{id}/envoi", Agent, "counter.send", counter::send)
        .post("/foyers/{id}/etat", Agent, "foyer.state", foyers::set_state)
        .get(
            "/foyers/{id}/adresse",
            Agent,
            "foyer.address-form",
            foyers::address_page,
        )
        .post(
            "/foyers/{id}/adresse",
            Agent,
            "foyer.address",
            foyers::address_update,
        )
        .get(
            "/foyers/{id}/ajouter/{kind}",
            Agent,
            "member.form",
            foyers::member_new_page,
        )
        .post(
            "/foyers/{id}/ajouter/{kind}",
            Agent,
            "member.create",
            foyers::member_create,
        )
        .get(
            "/foyers/{id}/membres/{member}",
            Agent,
            "member.edit-form",
            foyers::member_page,
        )
        .post(
            "/foyers/{id}/membres/{member}",
            Agent,
            "member.update",
            foyers::member_update,
        )
        .post(
            "/foyers/{id}/membres/{member}/retirer",
            Agent,
            "member.remove",
            foyers::member_remove,
        )
        .post(
            "/foyers/{id}/compte",
            Agent,
            "foyer.account",
            foyers::set_account,
        )
        .post(
            "/demandes/{id}/etat",
            Agent,
            "request.transition",
            case::transition,
        )
        .post("/demandes/{id}/messages", Agent, "request.note", case::note)
        .post(
            "/demandes/{id}/donnees",
            Agent,
            "request.data-check",
            data::check,
        )
        .get(
            "/demandes/{id}/etapes/{step}",
            Agent,
            "request.step-form",
            data::page,
        )
        .post(
            "/demandes/{id}/etapes/{step}",
            Agent,
            "request.step-save",
            data::save,
        )
        .post(
            "/demandes/{id}/justificatifs",
            Agent,
            "request.document-add",
            justificatifs::add,
        )
        .post(
            "/demandes/{id}/justificatifs/{document}",
            Agent,
            "request.document-review",
            justificatifs::review,
        )
        .post(
            "/demandes/{id}/justificatifs/{document}/pages",
            Agent,
            "request.document-page",
            justificatifs::add_page,
        )
        .post(
            "/demandes/{id}/justificatifs/{document}/retirer",
            Agent,
            "request.document-remove",
            justificatifs::remove,
        )
        .get(
            "/demandes/{id}/pages/{file}/voir",
            Agent,
            "request.document-page-view",
            justificatifs::view,
        )
        .get(
            "/demandes/{id}/pages/{file}",
            Agent,
            "request.document-page-file",
            justificatifs::page,
        )
        .post(
            "/demandes/{id}/traiter",
            Agent,
            "request.process",
            case::process,
        )
        .post(
            "/demandes/{id}/reprendre",
            Agent,
            "request.take-over",
            case::take_over,
        )
        .post(
            "/demandes/{id}/liberer",
            Agent,
            "request.release",
            case::release,
        )
        .get(
            "/connexion",
            Anyone,
            "session.sign-in-form",
            session::login_page,
        )
        .post("/connexion", Anyone, "session.sign-in", session::login)
        .get(
            "/proconnect",
            Anyone,
            "session.proconnect-start",
            proconnect::start,
        )
        .get(
            "/proconnect/retour",
            Anyone,
            "session.proconnect-return",
            proconnect::back,
        )
        .post("/deconnexion", Anyone, "session.sign-out", session::logout)
        .get(
            "/mot-de-passe/{token}",
            Anyone,
            "agent.password-form",
            password::form_page,
        )
        .post(
            "/mot-de-passe/{token}",
            Anyone,
            "agent.password-set",
            password::set,
        )
}

/// The back office's routes, mounted under `/backoffice`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes().register(cfg);
}

/// The back office's JSON API, mounted under `/api` of the collectivité's
/// host: malformed bodies and query strings answer a problem document.
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    let json = web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _| {
            guichet_web::AppError::BadRequest(format!("corps JSON invalide : {err}")).into()
        });
    let path = web::PathConfig::default().error_handler(|err, _| {
        guichet_web::AppError::BadRequest(format!("adresse invalide : {err}")).into()
    });
    cfg.app_data(json).app_data(path);
    api::routes().register(cfg);
}

async fn to_home() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/backoffice/"))
        .finish()
}
