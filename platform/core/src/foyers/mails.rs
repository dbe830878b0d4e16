//! The e-mails of accounts: their values; their words are in `mails/`.

use serde::Serialize;

use crate::mail::Email;

/// To an address that already has an account, instead of a second one.
#[derive(Serialize)]
pub struct AccountExists<'a> {
    pub site: &'a str,
    pub base_url: &'a str,
}

impl Email for AccountExists<'_> {
    const NAME: &'static str = "foyers/mails/account_exists.hbs";
    const TEMPLATE: &'static str = include_str!("mails/account_exists.hbs");
}

/// The link that confirms a new account's address.
#[derive(Serialize)]
pub struct ConfirmAddress<'a> {
    pub site: &'a str,
    pub link: String,
    pub days: i64,
}

impl Email for ConfirmAddress<'_> {
    const NAME: &'static str = "foyers/mails/confirm_address.hbs";
    const TEMPLATE: &'static str = include_str!("mails/confirm_address.hbs");
}

/// The link to choose a new password.
#[derive(Serialize)]
pub struct NewPassword<'a> {
    pub site: &'a str,
    pub link: String,
}

impl Email for NewPassword<'_> {
    const NAME: &'static str = "foyers/mails/new_password.hbs";
    const TEMPLATE: &'static str = include_str!("mails/new_password.hbs");
}

/// An account now signs in through an identity provider.
#[derive(Serialize)]
pub struct IdentityLinked<'a> {
    pub site: &'a str,
    pub provider: &'a str,
    pub when: &'a str,
    pub base_url: &'a str,
}

impl Email for IdentityLinked<'_> {
    const NAME: &'static str = "foyers/mails/identity_linked.hbs";
    const TEMPLATE: &'static str = include_str!("mails/identity_linked.hbs");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::template::check;

    #[test]
    fn the_account_emails_carry_their_links() {
        let site = "Arles";
        let base_url = "https://arles.example";
        let exists = check(&AccountExists { site, base_url });
        assert_eq!(exists.subject, "Arles : vous avez déjà un compte");
        assert!(exists.body.contains(
            "Pour vous connecter : https://arles.example/connexion\nSi vous avez oublié"
        ));
        let confirm = check(&ConfirmAddress {
            site,
            link: "https://arles.example/compte/confirmer/s3cr3t".into(),
            days: 7,
        });
        assert_eq!(
            confirm.subject,
            "Arles : confirmez votre adresse électronique"
        );
        assert!(confirm
            .body
            .contains("ouvrez ce lien :\n\nhttps://arles.example/compte/confirmer/s3cr3t\n\nLe lien fonctionne une fois, pendant 7 jours."));
        let reset = check(&NewPassword {
            site,
            link: "https://arles.example/mot-de-passe/s3cr3t".into(),
        });
        assert!(reset
            .body
            .contains("\n\nhttps://arles.example/mot-de-passe/s3cr3t\n\n"));
        let linked = check(&IdentityLinked {
            site,
            provider: "FranceConnect",
            when: "7 décembre 2026 à 14 h 05",
            base_url,
        });
        assert_eq!(
            linked.subject,
            "Arles : votre compte est relié à FranceConnect"
        );
        assert!(linked
            .body
            .contains("le 7 décembre 2026 à 14 h 05. Vous pourrez"));
        assert!(linked
            .body
            .ends_with("(https://arles.example/mot-de-passe-oublie).\n"));
    }
}
