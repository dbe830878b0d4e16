//! A request's life: its states and who may move it between them
//! (`requestWorkflow`), what each state means to the household, the means of
//! contact, and the season rules.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum RequestState {
    Draft,
    Pending,
    Inprogress,
    Extinprogress,
    Complete,
    Uncomplete,
    Rectified,
    Validated,
    Closed,
    Rejected,
    Cancelled,
    Archived,
}

/// Who moves a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Household,
    Agent,
    /// An external service of the collectivité (the only one for
    /// `Extinprogress`).
    External,
    /// A job of the platform (season closing, archiving).
    System,
}

impl RequestState {
    pub const ALL: [RequestState; 12] = [
        RequestState::Draft,
        RequestState::Pending,
        RequestState::Inprogress,
        RequestState::Extinprogress,
        RequestState::Complete,
        RequestState::Uncomplete,
        RequestState::Rectified,
        RequestState::Validated,
        RequestState::Closed,
        RequestState::Rejected,
        RequestState::Cancelled,
        RequestState::Archived,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RequestState::Draft => "Draft",
            RequestState::Pending => "Pending",
            RequestState::Inprogress => "Inprogress",
            RequestState::Extinprogress => "Extinprogress",
            RequestState::Complete => "Complete",
            RequestState::Uncomplete => "Uncomplete",
            RequestState::Rectified => "Rectified",
            RequestState::Validated => "Validated",
            RequestState::Closed => "Closed",
            RequestState::Rejected => "Rejected",
            RequestState::Cancelled => "Cancelled",
            RequestState::Archived => "Archived",
        }
    }

    pub fn parse(code: &str) -> Option<RequestState> {
        RequestState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The state's name, as agents and households read it.
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Draft => "Brouillon",
            RequestState::Pending => "Déposée",
            RequestState::Inprogress => "En cours de traitement",
            RequestState::Extinprogress => "En cours (service externe)",
            RequestState::Complete => "Complète",
            RequestState::Uncomplete => "Incomplète",
            RequestState::Rectified => "Complétée",
            RequestState::Validated => "Acceptée",
            RequestState::Closed => "Clôturée",
            RequestState::Rejected => "Refusée",
            RequestState::Cancelled => "Annulée",
            RequestState::Archived => "Archivée",
        }
    }

    /// What the state means for the household, and what to do next.
    pub fn meaning(self) -> &'static str {
        match self {
            RequestState::Draft => {
                "Votre demande n’est pas encore envoyée. Reprenez-la pour la compléter et l’envoyer."
            }
            RequestState::Pending => {
                "Votre demande est bien arrivée. Un agent va l’étudier ; vous pouvez encore la modifier ou l’annuler."
            }
            RequestState::Inprogress | RequestState::Extinprogress => {
                "Un agent étudie votre demande. Vous n’avez rien à faire pour l’instant."
            }
            RequestState::Complete => {
                "Votre dossier est complet. Vous recevrez la réponse de la mairie prochainement."
            }
            RequestState::Uncomplete => {
                "Il manque des informations ou des documents. Lisez le message de la mairie, complétez votre demande et renvoyez-la."
            }
            RequestState::Rectified => {
                "Vous avez complété votre demande. Un agent va la vérifier à nouveau."
            }
            RequestState::Validated => "Votre demande est acceptée.",
            RequestState::Closed => "Votre demande est terminée.",
            RequestState::Rejected => {
                "Votre demande est refusée. Le motif est indiqué dans l’historique ; contactez la mairie pour toute question."
            }
            RequestState::Cancelled => "Cette demande est annulée.",
            RequestState::Archived => "Cette demande est archivée.",
        }
    }

    /// Whether `self → to` is a transition, for `actor`.
    pub fn may_become(self, to: RequestState, actor: Actor) -> bool {
        use Actor::*;
        use RequestState::*;
        let external = matches!(
            (self, to),
            (Pending | Rectified, Extinprogress) | (Extinprogress, Validated)
        );
        if external {
            return actor == External;
        }
        match (self, to) {
            (Draft, Pending) => actor == Household || actor == Agent,
            // The household cancels its own request while nobody works on it.
            (Pending, Cancelled) => actor != External,
            // Sent again after the agent asked for more.
            (Uncomplete, Rectified) => actor == Household || actor == Agent,
            (Validated, Closed) => actor == Agent || actor == System,
            (Rejected | Cancelled | Closed, Archived) => actor == Agent || actor == System,
            (Pending, Inprogress | Complete | Uncomplete | Rejected)
            | (Inprogress, Complete | Uncomplete | Rejected | Cancelled)
            | (Extinprogress, Uncomplete | Rejected | Cancelled)
            | (Complete, Uncomplete | Rejected | Validated | Cancelled)
            | (Rectified, Uncomplete | Complete) => actor == Agent,
            _ => false,
        }
    }

    /// The states an agent may move a request to from here.
    pub fn next_for_agent(self) -> Vec<RequestState> {
        RequestState::ALL
            .into_iter()
            .filter(|to| self.may_become(*to, Actor::Agent))
            .collect()
    }

    /// The household may change its data in these states.
    pub fn editable_by_household(self) -> bool {
        matches!(
            self,
            RequestState::Draft | RequestState::Pending | RequestState::Uncomplete
        )
    }

    /// The request waits for the household (to complete it): it is theirs,
    /// no agent's lock keeps them from it.
    pub fn awaits_household(self) -> bool {
        matches!(self, RequestState::Uncomplete)
    }

    /// Agents may change the data in these states.
    pub fn editable_by_agent(self) -> bool {
        matches!(
            self,
            RequestState::Inprogress | RequestState::Uncomplete | RequestState::Rectified
        )
    }

    /// Instruction is over (a certificate is made).
    pub fn done(self) -> bool {
        matches!(
            self,
            RequestState::Rejected | RequestState::Cancelled | RequestState::Validated
        )
    }

    /// Decided, closed or archived: what a new version of its form leaves on
    /// the version it was decided on.
    pub fn decided(self) -> bool {
        self.done() || matches!(self, RequestState::Closed | RequestState::Archived)
    }

    /// Still counts as the subject's request of its kind (no second one).
    pub fn running(self) -> bool {
        !matches!(
            self,
            RequestState::Draft
                | RequestState::Rejected
                | RequestState::Cancelled
                | RequestState::Closed
                | RequestState::Archived
        )
    }

    /// A transition that needs a reason in words (told to the household).
    pub fn needs_reason(to: RequestState) -> bool {
        matches!(
            to,
            RequestState::Uncomplete | RequestState::Rejected | RequestState::Cancelled
        )
    }
}

/// The means by which the collectivité contacts the household about a
/// request (`MeansOfContactEnum`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum MeansOfContact {
    Email,
    Mail,
    HomePhone,
    OfficePhone,
    MobilePhone,
    Sms,
    LocalAuthorityOffice,
}

impl MeansOfContact {
    pub const ALL: [MeansOfContact; 7] = [
        MeansOfContact::Email,
        MeansOfContact::Mail,
        MeansOfContact::MobilePhone,
        MeansOfContact::HomePhone,
        MeansOfContact::OfficePhone,
        MeansOfContact::Sms,
        MeansOfContact::LocalAuthorityOffice,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MeansOfContact::Email => "Email",
            MeansOfContact::Mail => "Mail",
            MeansOfContact::HomePhone => "HomePhone",
            MeansOfContact::OfficePhone => "OfficePhone",
            MeansOfContact::MobilePhone => "MobilePhone",
            MeansOfContact::Sms => "Sms",
            MeansOfContact::LocalAuthorityOffice => "LocalAuthorityOffice",
        }
    }

    pub fn parse(code: &str) -> Option<MeansOfContact> {
        MeansOfContact::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            MeansOfContact::Email => "Par courriel",
            MeansOfContact::Mail => "Par courrier postal",
            MeansOfContact::HomePhone => "Par téléphone, au domicile",
            MeansOfContact::OfficePhone => "Par téléphone, au travail",
            MeansOfContact::MobilePhone => "Par téléphone portable",
            MeansOfContact::Sms => "Par SMS",
            MeansOfContact::LocalAuthorityOffice => "À l’accueil de la mairie",
        }
    }

    /// Whether the requester's details allow it (no SMS without a mobile).
    pub fn possible(self, who: &ContactDetails) -> bool {
        match self {
            MeansOfContact::Email => !who.email.is_empty(),
            MeansOfContact::Mail => who.has_address,
            MeansOfContact::HomePhone => !who.home_phone.is_empty(),
            MeansOfContact::OfficePhone => !who.office_phone.is_empty(),
            MeansOfContact::MobilePhone | MeansOfContact::Sms => !who.mobile_phone.is_empty(),
            MeansOfContact::LocalAuthorityOffice => true,
        }
    }
}

/// What the requester gave to be reached.
#[derive(Debug, Clone, Default)]
pub struct ContactDetails {
    pub email: String,
    pub has_address: bool,
    pub home_phone: String,
    pub office_phone: String,
    pub mobile_phone: String,
}

/// A season's dates (all in Europe/Paris, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeasonDates {
    pub registration_start: NaiveDate,
    pub registration_end: NaiveDate,
    pub validation_start: NaiveDate,
    pub effect_start: NaiveDate,
    pub effect_end: NaiveDate,
}

impl SeasonDates {
    /// The rules a season's dates follow; each message names what to change.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.registration_start > self.registration_end {
            return Err("la fin des inscriptions doit suivre leur début");
        }
        if self.effect_start > self.effect_end {
            return Err("la fin de la saison doit suivre son début");
        }
        if self.registration_start > self.effect_start || self.registration_end > self.effect_end {
            return Err(
                "les inscriptions ouvrent avant le début de la saison et ferment avant sa fin",
            );
        }
        if self.validation_start < self.registration_start {
            return Err("les validations ne peuvent commencer avant l’ouverture des inscriptions");
        }
        Ok(())
    }

    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.registration_start <= day && day <= self.registration_end
    }

    /// Two seasons of one type overlap in neither their registration
    /// windows nor their periods (the support guide's rule): a household
    /// always knows which season it files for, and for when.
    pub fn overlaps(&self, other: &SeasonDates) -> bool {
        let registrations = self.registration_start <= other.registration_end
            && other.registration_start <= self.registration_end;
        let periods =
            self.effect_start <= other.effect_end && other.effect_start <= self.effect_end;
        registrations || periods
    }

    /// « Inscriptions du 2 au 30 juin 2026 ».
    pub fn window_fr(&self) -> String {
        format!(
            "Inscriptions du {} au {}",
            crate::time::date_fr(self.registration_start),
            crate::time::date_fr(self.registration_end)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use RequestState::*;

    #[test]
    fn the_workflow_of_the_support_guide() {
        assert!(Draft.may_become(Pending, Household));
        assert!(Pending.may_become(Cancelled, Household));
        assert!(!Inprogress.may_become(Cancelled, Household));
        assert!(!Pending.may_become(Validated, Agent));
        assert!(Complete.may_become(Validated, Agent));
        assert!(
            !Pending.may_become(Extinprogress, Agent)
                && Pending.may_become(Extinprogress, External)
        );
        assert!(Uncomplete.may_become(Rectified, Household));
        assert!(Validated.may_become(Closed, System) && !Validated.may_become(Closed, Household));
        assert_eq!(Rectified.next_for_agent(), vec![Complete, Uncomplete]);
        assert_eq!(Uncomplete.next_for_agent(), vec![Rectified]);
        assert!(Archived.next_for_agent().is_empty());
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.code()), Some(s));
            assert!(!s.meaning().is_empty());
        }
    }

    #[test]
    fn means_of_contact_follow_the_details_given() {
        let who = ContactDetails {
            email: "a@b.fr".into(),
            mobile_phone: "06 12 34 56 78".into(),
            ..Default::default()
        };
        let possible: Vec<_> = MeansOfContact::ALL
            .into_iter()
            .filter(|m| m.possible(&who))
            .collect();
        assert_eq!(
            possible,
            [
                MeansOfContact::Email,
                MeansOfContact::MobilePhone,
                MeansOfContact::Sms,
                MeansOfContact::LocalAuthorityOffice
            ]
        );
    }

    #[test]
    fn seasons() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let s = SeasonDates {
            registration_start: d(6, 2),
            registration_end: d(6, 30),
            validation_start: d(7, 1),
            effect_start: d(9, 1),
            effect_end: d(12, 31),
        };
        assert!(s.check().is_ok());
        assert!(s.open_on(d(6, 2)) && s.open_on(d(6, 30)) && !s.open_on(d(7, 1)));
        assert_eq!(s.window_fr(), "Inscriptions du 2 juin 2026 au 30 juin 2026");
        let next = SeasonDates {
            registration_start: d(6, 30),
            ..s
        };
        assert!(s.overlaps(&next));
        let same_period = SeasonDates {
            registration_start: d(7, 1),
            registration_end: d(7, 15),
            ..s
        };
        assert!(s.overlaps(&same_period));
        let later = SeasonDates {
            registration_start: d(7, 1),
            registration_end: d(7, 15),
            validation_start: d(7, 1),
            effect_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            effect_end: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
        };
        assert!(!s.overlaps(&later));
        let bad = SeasonDates {
            registration_end: d(6, 1),
            ..s
        };
        assert!(bad.check().is_err());
    }
}

/// Where a request under instruction stands against its téléservice's delays,
/// counted from its submission: on time, urgent (orange: inside the alert
/// window before the maximum delay) or late (red: past it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    OnTime,
    Urgent,
    Late,
}

impl Quality {
    pub const ALL: [Quality; 3] = [Quality::OnTime, Quality::Urgent, Quality::Late];

    pub fn code(self) -> &'static str {
        match self {
            Quality::OnTime => "ontime",
            Quality::Urgent => "urgent",
            Quality::Late => "late",
        }
    }

    pub fn parse(code: &str) -> Option<Quality> {
        Quality::ALL.into_iter().find(|q| q.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Quality::OnTime => "dans les délais",
            Quality::Urgent => "urgente",
            Quality::Late => "en retard",
        }
    }
}

/// How a request reached the mairie when an agent filed it for the
/// household (counter mode).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Channel {
    Counter,
    Phone,
    Mail,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Counter, Channel::Phone, Channel::Mail];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Counter => "Counter",
            Channel::Phone => "Phone",
            Channel::Mail => "Mail",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    /// « déposée au guichet ».
    pub fn label(self) -> &'static str {
        match self {
            Channel::Counter => "au guichet",
            Channel::Phone => "par téléphone",
            Channel::Mail => "par courrier",
        }
    }
}

/// What a line of a request's history records (`RequestAction`): the one
/// list of the kinds, each of which will be one event for webhooks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ActionKind {
    Creation,
    StateChange,
    ContactCitizen,
    CreationNotification,
    DraftDeleteNotification,
    OrangeAlertNotification,
    RedAlertNotification,
    /// An agent changed the request's data (before and after kept).
    Modification,
    /// A manager took over the lock another agent held.
    LockTakeOver,
    /// An agent reviewed a justificatif (state, validity, comment).
    DocumentReview,
    /// A justificatif or a page added to the request, or removed from it.
    DocumentAddition,
    DocumentRemoval,
    /// An agent found the request's data valid, or to be corrected.
    DataCheck,
    /// The request's fee paid online.
    Payment,
}

impl ActionKind {
    pub const ALL: [ActionKind; 14] = [
        ActionKind::Creation,
        ActionKind::StateChange,
        ActionKind::ContactCitizen,
        ActionKind::CreationNotification,
        ActionKind::DraftDeleteNotification,
        ActionKind::OrangeAlertNotification,
        ActionKind::RedAlertNotification,
        ActionKind::Modification,
        ActionKind::LockTakeOver,
        ActionKind::DocumentReview,
        ActionKind::DocumentAddition,
        ActionKind::DocumentRemoval,
        ActionKind::DataCheck,
        ActionKind::Payment,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Creation => "Creation",
            ActionKind::StateChange => "StateChange",
            ActionKind::ContactCitizen => "ContactCitizen",
            ActionKind::CreationNotification => "CreationNotification",
            ActionKind::DraftDeleteNotification => "DraftDeleteNotification",
            ActionKind::OrangeAlertNotification => "OrangeAlertNotification",
            ActionKind::RedAlertNotification => "RedAlertNotification",
            ActionKind::Modification => "Modification",
            ActionKind::LockTakeOver => "LockTakeOver",
            ActionKind::DocumentReview => "DocumentReview",
            ActionKind::DocumentAddition => "DocumentAddition",
            ActionKind::DocumentRemoval => "DocumentRemoval",
            ActionKind::DataCheck => "DataCheck",
            ActionKind::Payment => "Payment",
        }
    }

    pub fn parse(code: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// As a line of the history says it.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Creation => "Création",
            ActionKind::StateChange => "Changement d’état",
            ActionKind::ContactCitizen => "Message de la mairie",
            ActionKind::CreationNotification
            | ActionKind::DraftDeleteNotification
            | ActionKind::OrangeAlertNotification
            | ActionKind::RedAlertNotification => "Rappel",
            ActionKind::Modification => "Modification des données",
            ActionKind::LockTakeOver => "Reprise du traitement",
            ActionKind::DocumentReview => "Vérification d’un justificatif",
            ActionKind::DocumentAddition => "Ajout d’un justificatif",
            ActionKind::DocumentRemoval => "Retrait d’un justificatif",
            ActionKind::DataCheck => "Vérification des données",
            ActionKind::Payment => "Paiement",
        }
    }
}

/// How long an agent's lock on a request they opened lasts, unless the
/// collectivité says otherwise.
pub const LOCK_MINUTES: i64 = 30;

/// Whether a lock taken at `taken_at` still holds at `now`, for a lock
/// delay of `minutes`.
pub fn lock_alive(taken_at: NaiveDateTime, now: NaiveDateTime, minutes: i64) -> bool {
    taken_at > now - chrono::Duration::minutes(minutes)
}

/// A collectivité's default delays, in days (`domain.md` §9).
pub const DEFAULT_MAX_DELAY_DAYS: i32 = 10;
pub const DEFAULT_ALERT_DELAY_DAYS: i32 = 3;

/// A téléservice's instruction delays, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delays {
    pub max_days: i32,
    pub alert_days: i32,
}

impl Delays {
    /// The collectivité's defaults.
    pub const DEFAULT: Delays = Delays {
        max_days: DEFAULT_MAX_DELAY_DAYS,
        alert_days: DEFAULT_ALERT_DELAY_DAYS,
    };

    /// The téléservice's own delays, or `defaults` (the collectivité's); the
    /// alert window never starts before the submission.
    pub fn of(max_days: Option<i32>, alert_days: Option<i32>, defaults: Delays) -> Delays {
        let max_days = max_days.unwrap_or(defaults.max_days).max(1);
        let alert_days = alert_days
            .unwrap_or(defaults.alert_days)
            .clamp(0, max_days - 1);
        Delays {
            max_days,
            alert_days,
        }
    }

    /// Submitted before this instant, a request is late at `now`.
    pub fn late_before(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::days(self.max_days.into())
    }

    /// Submitted before this instant (and not late), a request is urgent at `now`.
    pub fn urgent_before(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::days((self.max_days - self.alert_days).into())
    }

    pub fn quality(&self, submitted: NaiveDateTime, now: NaiveDateTime) -> Quality {
        if submitted < self.late_before(now) {
            Quality::Late
        } else if submitted < self.urgent_before(now) {
            Quality::Urgent
        } else {
            Quality::OnTime
        }
    }
}

impl RequestState {
    /// Agents still have to act: the delays run.
    pub fn under_instruction(self) -> bool {
        matches!(
            self,
            RequestState::Pending
                | RequestState::Inprogress
                | RequestState::Extinprogress
                | RequestState::Complete
                | RequestState::Uncomplete
                | RequestState::Rectified
        )
    }
}

#[cfg(test)]
mod quality_tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn delays_count_from_submission() {
        let d = Delays::of(Some(10), Some(3), Delays::DEFAULT);
        let now = at(21, 12);
        assert_eq!(d.quality(at(15, 12), now), Quality::OnTime);
        // Seven days: the alert window opens.
        assert_eq!(d.quality(at(14, 11), now), Quality::Urgent);
        assert_eq!(d.quality(at(11, 13), now), Quality::Urgent);
        // Ten days: late.
        assert_eq!(d.quality(at(11, 11), now), Quality::Late);
    }

    #[test]
    fn defaults_and_an_alert_longer_than_the_delay() {
        assert_eq!(
            Delays::of(None, None, Delays::DEFAULT),
            Delays {
                max_days: 10,
                alert_days: 3
            }
        );
        assert_eq!(Delays::of(Some(2), Some(5), Delays::DEFAULT).alert_days, 1);
        assert_eq!(Quality::parse("urgent"), Some(Quality::Urgent));
        assert_eq!(Quality::parse("rouge"), None);
    }
}
