DELETE FROM request_actions WHERE kind IN ('DocumentReview', 'DocumentAddition', 'DocumentRemoval');
ALTER TABLE request_actions DROP CONSTRAINT request_actions_kind_check;
ALTER TABLE request_actions ADD CONSTRAINT request_actions_kind_check CHECK (kind IN ('Creation', 'StateChange', 'ContactCitizen', 'CreationNotification',
        'DraftDeleteNotification', 'OrangeAlertNotification', 'RedAlertNotification', 'Modification', 'LockTakeOver'));
