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
