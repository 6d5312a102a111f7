# fleetdesk's texts in English. Every key here exists in sv.ftl with the same values
# (a unit test keeps the two in step). Codes and field names stay as they are.

## Problem titles: one per problem code.

title-account_number_taken = Account number taken
title-already_member = Already member
title-api_client_revoked = API client revoked
title-bad_request = Bad request
title-call_closed = Call closed
title-case_changed = Case changed
title-case_ended = Case ended
title-claim_decided = Claim decided
title-claim_exists = Claim exists
title-confirmation_token_expired = Confirmation token expired
title-confirmation_token_invalid = Confirmation token invalid
title-confirmation_token_used = Confirmation token used
title-conflict = Conflicts with an existing record
title-database_unavailable = The database is unavailable
title-device_credential_required = Device credential required
title-device_removed = Device removed
title-dispatch_closed_out = Dispatch closed out
title-dispatch_not_accepted = Dispatch not accepted
title-dispatch_not_closed_out = Dispatch not closed out
title-dispatch_not_eligible = Dispatch not eligible
title-dispatch_not_waiting = Dispatch not waiting
title-email_already_confirmed = Email already confirmed
title-email_not_confirmed = Email not confirmed
title-email_taken = Email taken
title-error = The request failed
title-forbidden = Your role may not do this
title-headers_too_large = Headers too large
title-idempotency_key_reused = This Idempotency-Key was used with another request
title-idempotency_request_in_progress = Idempotency request in progress
title-identity_proof_required = Prove that you are this address's user
title-illegal_transition = Illegal transition
title-insufficient_stock = Insufficient stock
title-internal_error = An internal error occurred
title-invalid_credentials = Invalid credentials
title-invalid_idempotency_key = Invalid idempotency key
title-invalid_query = Invalid query
title-invalid_refresh_token = Invalid refresh token
title-invitation_expired = Invitation expired
title-invitation_for_another_user = The invitation is for another user
title-invitation_invalid = Invitation invalid
title-invitation_not_open = Invitation not open
title-invitation_used = Invitation used
title-join_request_decided = Join request decided
title-labour_decided = Labour decided
title-labour_not_eligible = Labour not eligible
title-last_administrator = Last administrator
title-length_required = Length required
title-malformed_json = Malformed json
title-member_role_holds_no_devices = Member role holds no devices
title-member_role_holds_no_stock_locations = Member role holds no stock locations
title-meter_reading_already_today = The device has a reading for this day already
title-meter_reading_implausible = A meter rose faster than the model can print
title-meter_reading_invalid_value = Meter reading invalid value
title-meter_reading_lower_than_previous = A meter reading is lower than the previous one
title-meter_reading_missing_meter = Meter reading missing meter
title-meter_reading_unknown_meter = Meter reading unknown meter
title-method_not_allowed = Method not allowed
title-model_name_taken = Model name taken
title-no_dealer_of_record = No dealer of record
title-no_office_time = No office time
title-not_acceptable = Not acceptable
title-not_eligible = Not eligible
title-not_found = No such resource
title-not_own_service = Not own service
title-nothing_to_correct = Nothing to correct
title-order_closed = Order closed
title-order_open = An order is open
title-payload_too_large = The request body is too large
title-rate_limited = Too many requests
title-reference_not_found = Reference not found
title-registration_ended = Registration ended
title-request_timeout = Request timeout
title-reset_token_invalid = Reset token invalid
title-serial_already_registered = Serial already registered
title-serial_model_mismatch = The serial number belongs to another model
title-serial_number_taken = Serial number taken
title-service_unavailable = Service unavailable
title-site_has_devices = Site has devices
title-site_name_taken = Site name taken
title-stock_location_name_taken = Stock location name taken
title-too_many_attempts = Too many failed sign-ins
title-too_many_mails = Too many mails asked for
title-transition_not_allowed = Transition not allowed
title-unauthorized = A valid bearer token is required
title-unsubscribe_link_invalid = Unsubscribe link invalid
title-unsupported_media_type = Unsupported media type
title-uri_too_long = Uri too long
title-validation_failed = The request has invalid fields

## Problem details that every problem of a kind shares.

detail-not_found = no such resource
detail-forbidden = your role may not do this
detail-validation_failed = the request has invalid fields
detail-database_unavailable = the database is unreachable; retry shortly
detail-internal_error = an internal error occurred
detail-conflict = conflicts with an existing record
detail-reference_not_found = refers to a record that does not exist
detail-bad_request = the request could not be understood
detail-unauthorized = a valid bearer token is required
detail-method_not_allowed = this method is not allowed here
detail-not_acceptable = only JSON responses are offered
detail-request_timeout = the request took too long to arrive
detail-length_required = a Content-Length is required
detail-payload_too_large = the request body is larger than allowed
detail-uri_too_long = the request URI is too long
detail-unsupported_media_type = send application/json
detail-headers_too_large = the request headers are too large
detail-service_unavailable = the service is unavailable; retry shortly
detail-error = the request failed

## Validation messages of the request's fields.

invalid-length-between = must be { $min } to { $max } characters long
invalid-length-min = must be at least { $min } characters long
invalid-length-max = must be at most { $max } characters long
invalid-range-between = must be from { $min } to { $max }
invalid-range-min = must be at least { $min }
invalid-range-max = must be at most { $max }
invalid-other = is invalid

## Names people read in mails.

role-administrator = administrator
role-device-manager = device manager
role-stock-manager = stock manager
role-device-and-stock-manager = device and stock manager
role-knowledge-user = knowledge user
role-dealer-admin = dealer administrator
role-dealer-technician = dealer technician
case-status-open = open
case-status-acknowledged = acknowledged
case-status-in_progress = in progress
case-status-awaiting_customer = awaiting your answer
case-status-resolved = resolved
case-status-closed = closed
case-status-cancelled = cancelled
verdict-approved = approved
verdict-rejected = rejected

## Mails. A body ends with a line break, which the code adds.

mail-greeting-named = Hello { $name },
mail-greeting = Hello,

mail-confirm_email-subject = Confirm your e-mail address for fleetdesk
mail-confirm_email-body =
    please confirm this e-mail address to sign in to fleetdesk. The link works once,
    for 24 hours:

      { $base_url }/confirm-email?token={ $token }

    Or send the token to POST { $base_url }/api/v1/auth/confirm-email:

      { $token }

    If you did not register, ignore this mail.

mail-join_request_passed_on =
    You asked to join the customer account with the number { $number }. If the number
    is right, an administrator of the account or customer service will approve or
    reject the request, and you will get a mail either way. If you hear nothing, ask
    your organisation's administrator for an invitation.

mail-already_registered-subject = Someone tried to register with your address
mail-already_registered-body =
    someone tried to register a new fleetdesk user with this e-mail address, which
    already has one. If it was you, sign in at { $base_url } instead. If it was not, you
    need do nothing.

mail-invitation-subject = You are invited to { $organisation } on fleetdesk
mail-invitation-body =
    you are invited to join { $organisation } on fleetdesk as { $role }. The invitation
    works once, for 7 days:

      { $base_url }/{ $path }/accept?token={ $token }

    Or send the token (with a password and your name, if you are new to fleetdesk)
    to POST { $base_url }/api/v1/{ $path }/accept:

      { $token }

mail-join_request-subject = Someone asks to join { $account } on fleetdesk
mail-join_request-body =
    { $name } <{ $email }> registered with fleetdesk and asks to join
    { $account }. Approve or reject the request among the account's join requests:

      { $base_url }/api/v1/accounts/{ $account_id }/join-requests

    If you do not know this person, reject it.

mail-join_request_decided-approved-subject = You have joined { $account } on fleetdesk
mail-join_request_decided-approved-body =
    your request to join { $account } was approved; your role is { $role }.
mail-join_request_decided-rejected-subject = Your request to join { $account } was not approved
mail-join_request_decided-rejected-body =
    your request to join { $account } was not approved.
mail-reason = Reason: { $reason }

mail-caller_redirected-subject = Caller redirected: serial { $serial }
mail-caller_redirected-body =
    A caller about serial number { $serial } was redirected to you as its service provider of record.

    Caller: { $caller }
    Phone: { $phone }
    E-mail: { $email }
    Company: { $company }
    Site: { $site }

    Problem: { $problem }

mail-dispatch_created-subject = New service dispatch: serial { $serial }
mail-dispatch_created-body =
    The call center dispatched service to { $dealer } for serial number { $serial }.
    Problem: { $problem }
    Caller: { $caller }

    Accept it at { $base_url }/api/v1/dispatches/{ $dispatch_id }.

mail-labour_decided-subject = Labour { $decision }: serial { $serial }
mail-labour_decided-body =
    The labour of dispatch { $dispatch_id } (serial number { $serial }) was { $decision }.
mail-labour_amount = Amount: { $amount } { $currency } (minor units)

mail-claim_decided-subject = Warranty claim { $decision }: part { $part } of serial { $serial }
mail-claim_decided-body =
    Your warranty claim { $claim_id } for part { $part } (serial number { $serial }) was { $decision }.

mail-reading_reminder-subject-one = Meter reading due: serial { $serial }
mail-reading_reminder-subject-many = Meter readings due: { $count } devices
mail-reading_reminder-line = - serial { $serial } ({ $site }, { $location }): period closes { $closes }; submit at { $base_url }/api/v1/devices/{ $device_id }/meter-readings
mail-reading_reminder-body =
    the reading period of { $account } closes soon, and these devices have no meter
    reading in it yet:

    { $lines }

    Readings submitted after the period closes count in the next one.

mail-email_changed-subject = Your fleetdesk e-mail address was changed
mail-email_changed-body =
    customer service changed the e-mail address of your fleetdesk user to
    { $email }. Mail now goes there. If you did not ask for this, call customer service.

mail-password_reset-subject = Reset your fleetdesk password
mail-password_reset-body =
    someone asked to reset the password of your fleetdesk user. The link works once,
    for one hour:

      { $base_url }/reset-password?token={ $token }

    Or send the token with your new password to
    POST { $base_url }/api/v1/auth/password-reset/confirm:

      { $token }

    Setting a new password signs you out everywhere. If you did not ask for this,
    ignore this mail: your password stays as it is.

mail-password_changed-subject = Your fleetdesk password was changed
mail-password_changed-body =
    the password of your fleetdesk user was changed, and every sign-in with the
    old one has ended. If you did not do this, reset your password at once and call
    customer service.

mail-webhook_disabled-subject = A fleetdesk webhook was disabled
mail-webhook_disabled-body =
    the webhook { $webhook_id } that delivers events to
    { $url }
    was disabled: { $reason }.

    No further events are delivered to it until it is enabled again
    (PATCH /api/v1/webhooks/{ $webhook_id } with "active": true); the events it missed are
    delivered then, in order. Its deliveries and their answers are listed under
    GET /api/v1/webhooks/{ $webhook_id }/deliveries.
webhook-disabled-creator-gone = its creator no longer holds a role that may read the feed for its owner
webhook-disabled-failing = delivery { $delivery } failed for { $hours } hours (last: { $error })

mail-case_status-subject = Case "{ $summary }": { $status }
mail-case_status-body =
    your case "{ $summary }" is now { $status }.

      { $base_url }/api/v1/cases/{ $case_id }

mail-case_comment-subject = Case "{ $summary }": a reply from customer service
mail-case_comment-body =
    customer service replied on your case "{ $summary }":

    { $comment }

      { $base_url }/api/v1/cases/{ $case_id }

mail-case_overdue-subject = Response overdue: case "{ $summary }" of { $account }
mail-case_overdue-body =
    the case "{ $summary }" of { $account } has had no first response,
    and its contracted response deadline passed at { $deadline } (UTC).

      { $base_url }/api/v1/cases/{ $case_id }

mail-role_changed-subject = Your role at { $account } changed
mail-role_changed-body =
    your role at { $account } on fleetdesk is now { $role }.

mail-member_removed-subject = You no longer belong to { $account }
mail-member_removed-body =
    you were removed from { $account } on fleetdesk; its devices, cases and stock are no
    longer shown to you. If this is a mistake, ask the account's administrator.

mail-device_removed-subject = Device removed: serial { $serial }
mail-device_removed-body =
    the device with serial number { $serial } that you asked to have removed is no
    longer on { $account }.

mail-order_raised-subject = Replenishment ordered for { $location }: { $part }
mail-order_raised-body =
    a replenishment order for { $quantity } × { $part } was raised for the stock location
    { $location } of { $account }.

      { $base_url }/api/v1/stock-locations/{ $location_id }

mail-order_shipped-subject = Replenishment shipped to { $location }: { $part }
mail-order_shipped-body =
    the replenishment order for { $part } to the stock location { $location } has shipped
    with { $carrier }, tracking number { $tracking }.

      { $base_url }/api/v1/stock-locations/{ $location_id }

mail-unsubscribe =
    You get this mail because you get mails about { $why }. To stop them:
    { $link }
    or choose what you get at { $base_url }/api/v1/me/notifications.

## The kinds of notification, as a person chooses them.

notification-case_updates = changes to your cases
notification-case_response_overdue = overdue first responses
notification-join_requests = requests to join your account
notification-membership_changes = changes to your role
notification-device_removals = finished device removals
notification-replenishment_orders = replenishment orders
notification-dispatches = new dispatches
notification-dispatch_decisions = labour and claim decisions
notification-reading_reminders = meter reading reminders

## The page an unsubscribe link opens.

unsubscribe-page-title = Stop these mails
unsubscribe-page-text = Stop mails about { $what } to { $email }?
unsubscribe-page-button = Stop these mails
unsubscribe-done = You no longer get mails about { $what }.

## Problem details and field messages of one refusal each.

detail-devices-stand-stood-site-stays-move = devices stand, or stood, at this site: it stays (move them to another site first)
detail-account-already-site-name = this account already has a site of that name
invalid-must-administrator-account = must be an administrator of this account
invalid-no-such-model = no such model
invalid-catalogued-remedy-call-s-problem = is not a catalogued remedy for this call's problem
detail-serial-number-no-dealer-record = the serial number has no dealer of record
detail-call-changed-meanwhile = the call changed meanwhile
detail-device-removed-cases-can-no-longer = the device was removed; cases can no longer be opened for it
detail-case-closed-cancelled-open-new-case = the case is closed or cancelled; open a new case instead
detail-case-closed-cancelled = the case is closed or cancelled
invalid-closed-out-yet = is not closed out yet
invalid-name-either-dispatch-registration = name either a dispatch or a registration
detail-part-dispatch-claimed-already = this part of the dispatch is claimed already
detail-api-client-revoked = the API client was revoked
detail-api-client-s-creator-no-longer = the API client's creator no longer holds a role for its owner
invalid-client-belongs-account-dealer-both = a client belongs to an account or a dealer, not both
invalid-required-account-client-acts = is required: the account the client acts for
invalid-name-least-one-scope = name at least one scope
detail-api-client-revoked-create-new-one = the API client is revoked; create a new one
detail-you-one-dealer-s-users-already = you are one of this dealer's users already
detail-address-belongs-user-who-cannot-also = this address belongs to a user who cannot also be a dealer's user
detail-device-serial-number-portal-another-model = a device with this serial number is on the portal as another model; check the model
detail-serial-number-active-registration = this serial number has an active registration
detail-registration-ended-already = the registration has ended already
invalid-no-such-site-account = no such site in this account
detail-device-model-serial-number-already = a device of this model has this serial number already
detail-device-removed-already = this device was removed already
detail-call-eligible-dispatch = the call is not eligible for a dispatch
detail-call-dispatch-already = the call has a dispatch already
detail-dispatch-went-dealer-whose-own-technicians = the dispatch went to a dealer, whose own technicians do the work
detail-dispatch-closed-out = the dispatch is closed out
detail-dispatch-s-labour-eligible-compensation = the dispatch's labour is not eligible for compensation
detail-labour-decided-already = the labour was decided already
detail-invitation-accepted-revoked-already = this invitation was accepted or revoked already
invalid-required-new-user = is required for a new user
detail-invitation-sent-another-address-than-signed = this invitation was sent to another address than the signed-in user's
detail-address-fleetdesk-user-sign-give-current = this address has a fleetdesk user: sign in as it, or give its current password as current_password
detail-current-password-wrong = the current password is wrong
detail-address-changed-meanwhile-try-again = this address changed meanwhile; try again
invalid-no-such-device-model = no such device model
invalid-field-technician = is not a field technician
detail-address-belongs-member-account-already = this address belongs to a member of the account already
detail-you-member-account-already = you are a member of this account already
detail-request-decided-already = this request was decided already
detail-requester-member-already = the requester is a member already
detail-device-no-readings-correct-yet = the device has no readings to correct yet
detail-another-user-address = another user has this address
detail-user-s-address-confirmed-already = this user's address is confirmed already
detail-token-s-user-no-longer-exists = the token's user no longer exists
invalid-your-current-password = is not your current password
detail-reset-link-unknown-used-expired-ask = the reset link is unknown, used or expired; ask for a new one
detail-account-stock-location-name = the account has a stock location of this name
invalid-stocked-location = is not stocked at this location
invalid-linked-location = is not linked to this location
detail-order-received-already = this order was received already
invalid-every-device-must-belong-location-s = every device must belong to the location's account
invalid-device-account = is not a device of this account
detail-order-part-outstanding-location-already = an order of this part is outstanding at this location already
detail-bearer-token-required = a bearer token is required
detail-sign-ended-password-changed-sign-again = this sign-in has ended (the password was changed); sign in again
invalid-cursor-api-issued = is not a cursor this API issued
detail-idempotency-key-must-1-255-visible = Idempotency-Key must be 1 to 255 visible ASCII characters
detail-idempotency-key-used-different-request = this Idempotency-Key was used with a different request
detail-first-request-idempotency-key-still-running = the first request with this Idempotency-Key is still running
detail-request-body-larger-than-allowed = the request body is larger than allowed
detail-send-content-type-application-json = send Content-Type: application/json
detail-body-must-json-object = the body must be a JSON object
invalid-attach-one-file-time = attach one file at a time
invalid-must-true-false = must be true or false
invalid-field-form-file-internal = is not a field of this form (file, internal)
invalid-attach-file = attach a file
invalid-file-empty = the file is empty
invalid-must-1-60-z-0-9 = must be 1 to 60 of a-z, 0-9 and _
invalid-required-service-problem = is required for a service problem
invalid-must-empty = must not be empty
invalid-must-phone-number-digits-spaces = must be a phone number: digits, spaces, + - ( ) /
invalid-name-device-case-about-account-alone = name the device or, for a case about the account alone, the account; not both
invalid-name-device-case-about-billing-question = name the device the case is about (or, for a billing question, general question or meter query about the account alone, account_id)
invalid-must-opened-deadline = must be opened or deadline
detail-account-no-such-service-contract = the account has no such service contract
detail-model-name-exists = a model of this name exists
invalid-must-negative = must not be negative
invalid-must-event-s-id-seq = must be an event's id (its seq)
detail-e-mail-address-password-wrong = the e-mail address or password is wrong
detail-confirm-your-e-mail-address-first = confirm your e-mail address first; ask for a new confirmation mail if you need one
invalid-most-50-models = at most 50 models
invalid-names-kind-twice = names a kind twice
detail-unsubscribe-link-valid = this unsubscribe link is not valid
detail-export-offered-application-json-text-csv = the export is offered as application/json or text/csv
invalid-must-before-from = must not be before from
invalid-must-most-1000-characters = must be at most 1000 characters
detail-supply-levels-reported-device-credential-person = supply levels are reported with a device credential, not a person's sign-in
detail-device-credential-unknown-revoked = the device credential is unknown or revoked
invalid-name-least-one-kind-event = name at least one kind of event
detail-access-token-expired = the access token has expired
detail-access-token-malformed = the access token is malformed
detail-role-not-assigned = a { $role } is not assigned { $what ->
        [sites] sites: only device managers are
        [stock] stock locations: only stock managers are
       *[devices] devices: only device managers are
    }
invalid-assigned-outside-account = every one of the { $what ->
        [sites] sites
        [stock] stock locations
       *[devices] devices
    } must belong to this account
detail-account-number-taken = another account already has this { $field }
detail-call-already = the call is { $status } already
invalid-case-needs-device = a { $category } case is about a device: name it
invalid-not-yours = is not one of your { $what ->
        [registrations] active registrations
       *[dispatches] dispatches
    }
detail-claim-already = the claim was { $status } already
invalid-clients-connected-by-administrators = customer service connects the manufacturer's own systems; an account's or a dealer's are connected by its administrators
invalid-scopes-grant-nothing = { $scopes } would grant nothing: your role there takes none of their actions
invalid-not-a-time = '{ $value }' is not a time HH:MM
detail-dispatch-is = the dispatch is { $status }
detail-dispatch-not-accepted = the dispatch is { $status }; only an accepted one is closed out
detail-dispatch-not-closed-out = the dispatch is { $status }; labour is decided after close-out
detail-insufficient-stock = only { $on_hand } on hand: stock never goes below zero
detail-order-open = order { $order } of this part is { $status } at this location; it is received or cancelled first
detail-order-closed = the order is { $status }; only an open order changes so
invalid-limit = must be 1 to { $max }
detail-no-route = no route for { $path }
detail-method-not-allowed = { $method } is not allowed on { $path }; allowed: { $allowed }
invalid-one-of = must be one of: { $names }
detail-attachment-too-large = an attachment may be at most { $max } bytes
detail-form-unreadable = the form could not be read: { $cause }
invalid-case-status = '{ $value }' is not a case status
detail-client-rate = this API client may make { $rate } requests a minute; retry in { $seconds } s
detail-invitation-used-already = this invitation was used already
detail-invitation-revoked = this invitation was revoked
detail-invitation-expired-ask-new-one = this invitation has expired; ask for a new one
detail-too-many-failed-sign-ins-wait = too many failed sign-ins; wait before trying again
detail-invitation-token-valid = this invitation token is not valid
detail-confirmation-token-valid = this confirmation token is not valid
detail-confirmation-token-used-replaced-newer-one = this confirmation token was used or replaced by a newer one
detail-confirmation-token-expired-ask-new-mail = this confirmation token has expired; ask for a new mail
detail-address-token-confirms-changed-since = the address this token confirms has changed since
detail-refresh-token-valid = the refresh token is not valid
detail-refresh-token-already-used-sign-again = the refresh token was already used; sign in again
detail-refresh-token-revoked-sign-again = the refresh token was revoked; sign in again
detail-refresh-token-expired-sign-again = the refresh token has expired; sign in again
detail-sign-reached-maximum-age-sign-again = this sign-in has reached its maximum age; sign in again
detail-send-file-multipart-form-data-field = send the file as multipart/form-data, in a field named file
detail-file-s-content-png-jpeg-pdf = the file's content is not PNG, JPEG, PDF or plain text; other kinds of file are not accepted
detail-too-many-failed-token-requests-wait = too many failed token requests; wait before trying again
detail-too-many-wrong-passwords-wait-before = too many wrong passwords; wait before trying again
detail-too-many-mails-were-asked-address = too many mails were asked for this address or from this client; wait before asking again
invalid-url-too-long = is longer than 2048 characters
invalid-must-https = must be https
invalid-no-host = has no host
invalid-no-fragment = must not have a fragment (#…)

invalid-not-a-url = is not a URL: { $cause }
invalid-must-https-not = must be https, not { $scheme }
invalid-host-unresolved = its host { $host } cannot be resolved
invalid-host-unresolved-in-time = its host { $host } cannot be resolved: its nameserver gave no answer within { $seconds } s
invalid-host-not-public = its host resolves to { $address }, which is not a public address (loopback, private, link-local and metadata addresses are refused)
detail-file-type-mismatch = the file was sent as { $declared }, but its content is { $kind }
detail-access-token-signature = the access token's signature is invalid
detail-access-token-audience = the access token is not for this API
detail-access-token-algorithm = the access token uses an algorithm this API does not accept

invalid-may-contain-only-letters-digits-inner = may contain only letters, digits and inner hyphens
invalid-must-contain-control-characters = must not contain control characters
invalid-digits-spaces-only-most-40 = digits, spaces and + - ( ) . / only, at most 40
invalid-currency-must-three-letter-iso-4217 = currency must be a three-letter ISO 4217 code
invalid-unknown-rating = unknown rating
invalid-amount-minor-must-negative = amount_minor must not be negative
invalid-week-no-office-hours = the week has no office hours
invalid-must-solved-failed-applicable = must be solved, failed or not_applicable
invalid-say-why-remedy-does-apply = say why the remedy does not apply
invalid-must-before-dispatch-created = must not be before the dispatch was created
invalid-must-after-arrived = must be after arrived_at
invalid-must-future = must not be in the future
invalid-must-1-40-characters = must be 1 to 40 characters
invalid-must-1-1000 = must be 1 to 1000
invalid-must-most-2000-characters = must be at most 2000 characters
invalid-must-approved-rejected = must be approved or rejected
invalid-rejection-needs-reason = a rejection needs a reason
invalid-rejection-carries-no-amount = a rejection carries no amount
invalid-approval-needs-amount = an approval needs an amount
invalid-approval-needs-currency = an approval needs a currency
invalid-reported-defective-dispatch-s-close-out = was not reported defective in the dispatch's close-out
invalid-no-warranty-known-device = no warranty is known for this device
invalid-may-contain-only-letters-digits = may contain only letters, digits, '-' and '/'
invalid-device-reports-1-16-meters = a device reports 1 to 16 meters
invalid-must-before-install-date = must not be before install_date
invalid-must-1-50000-characters = must be 1 to 50000 characters
invalid-most-20-tags = at most 20 tags
invalid-each-tag-must-1-40-letters = each tag must be 1 to 40 letters, digits and '-'
invalid-must-month-yyyy-mm = must be a month: YYYY-MM
invalid-must-iso-3166-1-alpha-2 = must be an ISO 3166-1 alpha-2 code such as SE
invalid-must-1-40-z-0-9 = must be 1 to 40 of A-Z, 0-9, '-', '.' and '/'
invalid-out-range = out of range
invalid-must-1-99 = must be 1 to 99
invalid-must-0-100 = must be 0 to 100
invalid-must-name-each-consumable-once = must name each consumable once
invalid-interval-backwards = day { $day }: an interval must end after it starts
invalid-intervals-overlap = day { $day }: intervals overlap
invalid-not-a-day = { $month }-{ $day } is not a day of the year
invalid-labour-minutes = must be 1 to { $max }, the minutes between arrival and completion
invalid-after-warranty = is after the warranty ended on { $end }
invalid-meter-name = '{ $name }' is not a meter name (a-z, 0-9, '-', '_')
invalid-listed-twice = '{ $name }' is listed twice
invalid-email-too-long = is longer than 254 characters
invalid-email-no-at = needs an @
invalid-email-local-part = needs 1 to 64 characters before the @
invalid-email-spaces = must not contain spaces or a second @
invalid-email-domain = needs a domain such as example.com after the @
invalid-password-short = needs at least 10 characters
invalid-password-long = may have at most 128 characters
invalid-password-common = is one of the most common passwords
invalid-password-few-characters = needs at least 4 different characters
invalid-password-contains-address = must not contain your e-mail address
invalid-unknown-role = unknown role '{ $value }'; one of: { $names }
invalid-closing-day = must be 1 to { $max }, or null for the last day of the month
invalid-time-zone = '{ $value }' is not an IANA time zone
invalid-supplies-count = must name 1 to { $max } consumables
reading-unknown-meter = the device has no meter '{ $meter }'
reading-missing-meter = the meter '{ $meter }' is missing: every meter of the device is read together
reading-invalid-value = the value of '{ $meter }' must be a whole number of at least 0
reading-lower-than-previous = '{ $meter }' is { $submitted }, lower than its last accepted value { $previous } of { $previous_day }
reading-already-today = a reading for this device was accepted today ({ $day }) already
reading-implausible = '{ $meter }' rose by { $increase } since { $previous_day }, more than the model can print in that time (at most { $max_increase }); confirm it if it is right
correction-no-meters = a correction names at least one meter
correction-final-values = final counts belong to a reset or a replacement, not to a wrong entry
correction-final-of-uncorrected = '{ $meter }' has a final count but is not corrected
case-move-illegal = a case cannot move from { $from } to { $to }
case-move-not-yours = you may not move a case from { $from } to { $to }
invalid-stock-not-enough = only { $on_hand } on hand
invalid-stock-too-many = more than { $max } would be on hand
clock-no-office-time = the calendar leaves no office time within three years: the response time cannot be counted in this calendar
membership-last-administrator = an organisation keeps at least one administrator: appoint another one first
detail-case-changed = the case changed meanwhile; reload it and try again
detail-device-removed = this device was removed; its history is kept
detail-body-unreadable = the body could not be read: { $cause }
detail-body-does-not-fit = the body does not fit this request: { $cause }
detail-query-unreadable = the query could not be read: { $cause }

## Why labour is not compensated.

labour-not-dispatched-by-call-center = the call center did not dispatch this service
labour-own-service = the call center's own service: no dealer to compensate
labour-not-closed-out = not closed out with section 2 of the dispatch form
labour-out-of-warranty = the device was out of warranty on the call date
labour-warranty-unknown = the device's warranty on the call date is unknown
labour-warranty-marketing-program = the device is registered under the Warranty Marketing Program

## Answers to requests whose outcome is not told (the same for every address).

accepted-registered = If this address can be registered, a confirmation mail is on its way.
accepted-resend = If this address awaits confirmation, a new confirmation mail is on its way.
accepted-resent = A new confirmation mail is on its way.
accepted-password-reset = If this address has a user, a mail with a link to reset the password is on its way.

## How a case's response deadline was counted.

sla-no-contract = The account had no service contract when the case was opened, so the case has no response deadline.
sla-started-in-hours = The case was opened at { $opened } inside office hours, so the clock started at once.
sla-started-next-opening = The case was opened at { $opened } outside office hours, so the clock started at the next opening, { $start }.
sla-counted = Contract version { $version } gives { $minutes } office minutes in { $time_zone }; counted over { $periods } period(s), they end at { $deadline }.
sla-holidays-skipped = Holidays skipped: { $holidays }.
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday

## What to do about a refused meter reading.

step-send-every-meter = Send every meter of this device, and only those, each as a whole number of 0 or more; the device lists its meters.
step-read-counter-again = Read the counter again on the device's counter page; a reading is never lower than the last.
step-meter-query-reset = If the meter truly shows this value (it was reset or replaced), open a meter query case or call customer service, who can correct the history.
step-one-a-day = One reading a day is accepted (the site's day): submit the next one tomorrow.
step-meter-query-today = If today's reading was wrong, open a meter query case or call customer service, who can correct it.
step-confirm-implausible = If the value is right, submit it again with "confirm_implausible": true; it is accepted and marked for review.
step-read-again-if-not = If it is not, read the counter again and submit the value it shows.
