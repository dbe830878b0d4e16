//! The tenant portal: the front office where households use their
//! collectivité's online services. Every route here sits behind the tenant
//! gate; households' pages behind their sign-in.

mod account;
mod appearance;
mod catalogue;
mod filing;
mod follow;
mod foyer;
pub mod franceconnect;
mod justificatifs;
mod legal;
pub use franceconnect::FranceConnect;
mod page;
mod payments;
mod steps;
mod visitor;

use actix_web::web;
use guichet_web::routes::{RouteTable, Who::*};
use guichet_web::Renderer;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub fn templates(renderer: &mut Renderer) {
    renderer.add::<Templates>();
}

/// Every route of the portal, with who may call it and what it does.
pub fn routes() -> RouteTable {
    RouteTable::new()
        .get("/", Anyone, "catalogue.list", catalogue::home)
        .get(
            "/mentions-legales",
            Anyone,
            "legal.notice",
            legal::legal_notice,
        )
        .get(
            "/donnees-personnelles",
            Anyone,
            "legal.personal-data",
            legal::personal_data,
        )
        .get(
            "/accessibilite",
            Anyone,
            "legal.accessibility",
            legal::accessibility,
        )
        .get(
            "/apparence/{kind}",
            Anyone,
            "appearance.logo",
            appearance::logo,
        )
        .get(
            "/documents/{kind}",
            Anyone,
            "appearance.document",
            appearance::document,
        )
        .get(
            "/demarches/{code}",
            Anyone,
            "catalogue.show",
            catalogue::show,
        )
        .get(
            "/demarches/{code}/sans-compte",
            Anyone,
            "visitor.form",
            visitor::page,
        )
        .post(
            "/demarches/{code}/sans-compte",
            Anyone,
            "visitor.start",
            visitor::start,
        )
        .get("/suivi", Anyone, "follow.renew-form", visitor::renew_page)
        .post("/suivi", Anyone, "follow.renew", visitor::renew)
        .get(
            "/suivi/{token}",
            Anyone,
            "follow.form",
            visitor::follow_page,
        )
        .post(
            "/suivi/{token}",
            Anyone,
            "follow.open",
            visitor::follow_open,
        )
        .post("/compte/garder", Household, "account.keep", visitor::keep)
        .get(
            "/reprendre/{token}",
            Anyone,
            "visitor.resume",
            visitor::resume,
        )
        // Account and sign-in.
        .get(
            "/connexion",
            Anyone,
            "session.sign-in-form",
            account::sign_in_page,
        )
        .post("/connexion", Anyone, "session.sign-in", account::sign_in)
        .post(
            "/deconnexion",
            Anyone,
            "session.sign-out",
            account::sign_out,
        )
        .get(
            "/connexion/franceconnect",
            Anyone,
            "identity.start",
            franceconnect::start,
        )
        .get(
            "/connexion/franceconnect/retour",
            Anyone,
            "identity.back",
            franceconnect::back,
        )
        .get(
            "/connexion/franceconnect/lier",
            Anyone,
            "identity.link-form",
            franceconnect::link_page_get,
        )
        .post(
            "/connexion/franceconnect/lier",
            Anyone,
            "identity.link",
            franceconnect::link,
        )
        .post(
            "/connexion/franceconnect/creer",
            Anyone,
            "identity.create",
            franceconnect::create,
        )
        .get(
            "/creer-un-compte",
            Anyone,
            "account.form",
            account::sign_up_page,
        )
        .post(
            "/creer-un-compte",
            Anyone,
            "account.create",
            account::sign_up,
        )
        .get(
            "/compte/confirmer/{token}",
            Anyone,
            "account.confirm-form",
            account::confirm_page,
        )
        .post(
            "/compte/confirmer/{token}",
            Anyone,
            "account.confirm",
            account::confirm,
        )
        .get(
            "/mot-de-passe-oublie",
            Anyone,
            "account.reset-form",
            account::forgot_page,
        )
        .post(
            "/mot-de-passe-oublie",
            Anyone,
            "account.reset-request",
            account::forgot,
        )
        .get(
            "/mot-de-passe/{token}",
            Anyone,
            "account.password-form",
            account::reset_page,
        )
        .post(
            "/mot-de-passe/{token}",
            Anyone,
            "account.password-set",
            account::reset,
        )
        // The foyer.
        .get("/mon-foyer", Household, "foyer.show", foyer::show)
        .post(
            "/mon-foyer/adresse",
            Household,
            "foyer.address",
            foyer::address,
        )
        .get(
            "/mon-foyer/ajouter/{kind}",
            Household,
            "member.form",
            foyer::new_page,
        )
        .post(
            "/mon-foyer/ajouter/{kind}",
            Household,
            "member.create",
            foyer::create,
        )
        .get(
            "/mon-foyer/membres/{id}",
            Household,
            "member.edit-form",
            foyer::edit_page,
        )
        .post(
            "/mon-foyer/membres/{id}",
            Household,
            "member.update",
            foyer::update,
        )
        .post(
            "/mon-foyer/membres/{id}/retirer",
            Household,
            "member.remove",
            foyer::remove,
        )
        .post(
            "/mon-foyer/franceconnect/retirer",
            Household,
            "foyer.identity-unlink",
            foyer::unlink,
        )
        .get(
            "/mon-foyer/historique",
            Household,
            "foyer.history",
            foyer::history,
        )
        // Documents.
        .get(
            "/mes-documents",
            Household,
            "document.list",
            justificatifs::list,
        )
        .post(
            "/mes-documents",
            Household,
            "document.deposit",
            justificatifs::deposit,
        )
        .get(
            "/mes-documents/pages/{id}",
            Household,
            "document.page",
            justificatifs::page,
        )
        // Requests.
        .post(
            "/demarches/{code}/commencer",
            Household,
            "request.start",
            filing::start,
        )
        .get("/paiements", Household, "payments.list", payments::list)
        .post("/paiements", Household, "payment.start", payments::pay)
        // Before `/paiements/{id}`, which would take its path.
        .post(
            "/paiements/notification",
            Anyone,
            "payment.notification",
            payments::notify,
        )
        .get("/paiements/{id}", Household, "payment.show", payments::show)
        .post(
            "/paiements/{id}/abandonner",
            Household,
            "payment.abandon",
            payments::abandon,
        )
        .get(
            "/paiements/{id}/recu.pdf",
            Household,
            "payment.receipt",
            payments::receipt,
        )
        .get(
            "/paiements/{id}/retour",
            Anyone,
            "payment.back",
            payments::back,
        )
        .get("/mes-demandes", Household, "request.list", follow::list)
        .get(
            "/mes-demandes/{id}",
            Household,
            "request.show",
            follow::show,
        )
        .get(
            "/mes-demandes/{id}/etapes/{step}",
            Household,
            "request.step-form",
            steps::page,
        )
        .post(
            "/mes-demandes/{id}/etapes/{step}",
            Household,
            "request.step-save",
            steps::save,
        )
        .get(
            "/mes-demandes/{id}/justificatifs",
            Household,
            "request.documents",
            filing::documents_page,
        )
        .post(
            "/mes-demandes/{id}/justificatifs",
            Household,
            "request.document-add",
            filing::add_document,
        )
        .post(
            "/mes-demandes/{id}/justificatifs/{document}/retirer",
            Household,
            "request.document-remove",
            filing::remove_document,
        )
        .get(
            "/mes-demandes/{id}/envoi",
            Household,
            "request.summary",
            filing::summary_page,
        )
        .post(
            "/mes-demandes/{id}/envoi",
            Household,
            "request.submit",
            filing::submit,
        )
        .get(
            "/mes-demandes/{id}/recu.pdf",
            Household,
            "request.receipt",
            follow::receipt,
        )
        .get(
            "/mes-demandes/{id}/attestation.pdf",
            Household,
            "request.certificate",
            follow::certificate,
        )
        .get(
            "/mes-demandes/{id}/annuler",
            Household,
            "request.cancel-form",
            follow::cancel_page,
        )
        .post(
            "/mes-demandes/{id}/annuler",
            Household,
            "request.cancel",
            follow::cancel,
        )
        .post(
            "/mes-demandes/{id}/supprimer",
            Household,
            "request.delete",
            follow::delete,
        )
        .post(
            "/mes-demandes/{id}/messages",
            Household,
            "request.note",
            follow::note,
        )
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes().register(cfg);
}
