# fleetdesks texter på svenska. Varje nyckel här finns i en.ftl med samma värden
# (ett enhetstest håller dem i takt). Koder och fältnamn är desamma på alla språk.

## Problemrubriker: en per problemkod.

title-account_number_taken = Kundnumret används redan
title-already_member = Redan medlem
title-api_client_revoked = API-klienten är återkallad
title-bad_request = Felaktig begäran
title-call_closed = Samtalet är avslutat
title-case_changed = Ärendet har ändrats
title-case_ended = Ärendet är avslutat
title-claim_decided = Garantianspråket är redan avgjort
title-claim_exists = Garantianspråket finns redan
title-confirmation_token_expired = Bekräftelsekoden har gått ut
title-confirmation_token_invalid = Ogiltig bekräftelsekod
title-confirmation_token_used = Bekräftelsekoden är redan använd
title-conflict = Krockar med en befintlig post
title-database_unavailable = Databasen går inte att nå
title-device_credential_required = Enhetsnyckel krävs
title-device_removed = Maskinen är borttagen
title-dispatch_closed_out = Serviceuppdraget är redan avslutat
title-dispatch_not_accepted = Serviceuppdraget är inte accepterat
title-dispatch_not_closed_out = Serviceuppdraget är inte avslutat
title-dispatch_not_eligible = Serviceuppdraget uppfyller inte villkoren
title-dispatch_not_waiting = Serviceuppdraget väntar inte på svar
title-email_already_confirmed = E-postadressen är redan bekräftad
title-email_not_confirmed = E-postadressen är inte bekräftad
title-email_taken = E-postadressen används redan
title-error = Begäran misslyckades
title-forbidden = Din roll får inte göra detta
title-headers_too_large = För stora huvuden
title-idempotency_key_reused = Idempotency-Key har använts för en annan begäran
title-idempotency_request_in_progress = En begäran med samma nyckel pågår
title-identity_proof_required = Visa att du är adressens användare
title-illegal_transition = Otillåten statusändring
title-insufficient_stock = Otillräckligt lagersaldo
title-internal_error = Ett internt fel inträffade
title-invalid_credentials = Fel e-postadress eller lösenord
title-invalid_idempotency_key = Ogiltig Idempotency-Key
title-invalid_query = Ogiltig fråga
title-invalid_refresh_token = Ogiltig förnyelsetoken
title-invitation_expired = Inbjudan har gått ut
title-invitation_for_another_user = Inbjudan gäller en annan användare
title-invitation_invalid = Ogiltig inbjudan
title-invitation_not_open = Inbjudan är inte längre öppen
title-invitation_used = Inbjudan är redan använd
title-join_request_decided = Anslutningsbegäran är redan avgjord
title-labour_decided = Arbetsersättningen är redan avgjord
title-labour_not_eligible = Arbetet ger inte ersättning
title-last_administrator = Sista kontoadministratören
title-length_required = Content-Length krävs
title-malformed_json = Felaktig JSON
title-member_role_holds_no_devices = Rollen ansvarar inte för maskiner
title-member_role_holds_no_stock_locations = Rollen ansvarar inte för lagerplatser
title-meter_reading_already_today = Maskinen har redan en mätarställning för den dagen
title-meter_reading_implausible = Mätaren har ökat snabbare än modellen kan skriva ut
title-meter_reading_invalid_value = Ogiltig mätarställning
title-meter_reading_lower_than_previous = Mätarställningen är lägre än den förra
title-meter_reading_missing_meter = Mätarställning saknas för en mätare
title-meter_reading_unknown_meter = Okänd mätare
title-method_not_allowed = Metoden är inte tillåten
title-model_name_taken = Modellnamnet används redan
title-no_dealer_of_record = Ingen ansvarig återförsäljare
title-no_office_time = Ingen kontorstid
title-not_acceptable = Svarsformatet kan inte erbjudas
title-not_eligible = Uppfyller inte villkoren
title-not_found = Finns inte
title-not_own_service = Inte egen service
title-nothing_to_correct = Inget att rätta
title-order_closed = Beställningen är avslutad
title-order_open = En beställning är öppen
title-payload_too_large = Begärans innehåll är för stort
title-rate_limited = För många förfrågningar
title-reference_not_found = Hänvisningen finns inte
title-registration_ended = Registreringen har upphört
title-request_timeout = Begäran tog för lång tid
title-reset_token_invalid = Ogiltig återställningskod
title-serial_already_registered = Serienumret är redan registrerat
title-serial_model_mismatch = Serienumret hör till en annan modell
title-serial_number_taken = Serienumret används redan
title-service_unavailable = Tjänsten är inte tillgänglig
title-site_has_devices = Arbetsplatsen har maskiner
title-site_name_taken = Arbetsplatsens namn används redan
title-stock_location_name_taken = Lagerplatsens namn används redan
title-too_many_attempts = För många misslyckade inloggningar
title-too_many_mails = För många utskick har begärts
title-transition_not_allowed = Statusändringen är inte tillåten
title-unauthorized = En giltig bearer-token krävs
title-unsubscribe_link_invalid = Ogiltig avregistreringslänk
title-unsupported_media_type = Innehållstypen stöds inte
title-uri_too_long = Adressen är för lång
title-validation_failed = Begäran har ogiltiga fält

## Problembeskrivningar som alla problem av ett slag delar.

detail-not_found = det finns ingen sådan resurs
detail-forbidden = din roll får inte göra detta
detail-validation_failed = begäran har ogiltiga fält
detail-database_unavailable = databasen går inte att nå; försök igen om en stund
detail-internal_error = ett internt fel inträffade
detail-conflict = krockar med en befintlig post
detail-reference_not_found = hänvisar till en post som inte finns
detail-bad_request = begäran gick inte att förstå
detail-unauthorized = en giltig bearer-token krävs
detail-method_not_allowed = metoden är inte tillåten här
detail-not_acceptable = svaren finns bara som JSON
detail-request_timeout = begäran tog för lång tid att komma fram
detail-length_required = Content-Length krävs
detail-payload_too_large = begärans innehåll är större än tillåtet
detail-uri_too_long = adressen är för lång
detail-unsupported_media_type = skicka application/json
detail-headers_too_large = begärans huvuden är för stora
detail-service_unavailable = tjänsten är inte tillgänglig; försök igen om en stund
detail-error = begäran misslyckades

## Felmeddelanden för begärans fält.

invalid-length-between = ska vara { $min } till { $max } tecken lång
invalid-length-min = ska vara minst { $min } tecken lång
invalid-length-max = får vara högst { $max } tecken lång
invalid-range-between = ska vara från { $min } till { $max }
invalid-range-min = ska vara minst { $min }
invalid-range-max = får vara högst { $max }
invalid-other = är ogiltigt

## Namn som syns i utskick.

role-administrator = kontoadministratör
role-device-manager = maskinansvarig
role-stock-manager = lageransvarig
role-device-and-stock-manager = maskin- och lageransvarig
role-knowledge-user = kunskapsanvändare
role-dealer-admin = återförsäljaradministratör
role-dealer-technician = återförsäljartekniker
case-status-open = öppet
case-status-acknowledged = mottaget
case-status-in_progress = under arbete
case-status-awaiting_customer = väntar på ditt svar
case-status-resolved = löst
case-status-closed = avslutat
case-status-cancelled = makulerat
verdict-approved = godkänd
verdict-rejected = avslagen

## Utskick. Koden lägger till radbrytningen i slutet.

mail-greeting-named = Hej { $name },
mail-greeting = Hej,

mail-confirm_email-subject = Bekräfta din e-postadress för fleetdesk
mail-confirm_email-body =
    bekräfta den här e-postadressen för att kunna logga in i fleetdesk. Länken fungerar
    en gång, i 24 timmar:

      { $base_url }/confirm-email?token={ $token }

    Du kan också skicka koden till POST { $base_url }/api/v1/auth/confirm-email:

      { $token }

    Om du inte har registrerat dig kan du bortse från det här meddelandet.

mail-join_request_passed_on =
    Du har bett att få ansluta till kundkontot med nummer { $number }. Om numret stämmer
    godkänner eller avslår kontots administratör eller kundtjänst din begäran, och du får
    besked via e-post i båda fallen. Hör du inget, be din organisations administratör om
    en inbjudan.

mail-already_registered-subject = Någon försökte registrera sig med din adress
mail-already_registered-body =
    någon försökte registrera en ny fleetdesk-användare med den här e-postadressen, som
    redan har en. Var det du kan du logga in på { $base_url } i stället. Var det inte du
    behöver du inte göra något.

mail-invitation-subject = Du är inbjuden till { $organisation } på fleetdesk
mail-invitation-body =
    du är inbjuden att gå med i { $organisation } på fleetdesk som { $role }. Inbjudan
    fungerar en gång, i 7 dagar:

      { $base_url }/{ $path }/accept?token={ $token }

    Du kan också skicka koden (med ett lösenord och ditt namn, om du är ny i fleetdesk)
    till POST { $base_url }/api/v1/{ $path }/accept:

      { $token }

mail-join_request-subject = Någon vill ansluta till { $account } på fleetdesk
mail-join_request-body =
    { $name } <{ $email }> har registrerat sig i fleetdesk och vill ansluta till
    { $account }. Godkänn eller avslå begäran bland kontots anslutningsbegäranden:

      { $base_url }/api/v1/accounts/{ $account_id }/join-requests

    Om du inte känner personen, avslå begäran.

mail-join_request_decided-approved-subject = Du är nu med i { $account } på fleetdesk
mail-join_request_decided-approved-body =
    din begäran att ansluta till { $account } är godkänd; din roll är { $role }.
mail-join_request_decided-rejected-subject = Din begäran att ansluta till { $account } godkändes inte
mail-join_request_decided-rejected-body =
    din begäran att ansluta till { $account } godkändes inte.
mail-reason = Skäl: { $reason }

mail-caller_redirected-subject = Kund hänvisad till er: serienummer { $serial }
mail-caller_redirected-body =
    En kund som ringde om serienummer { $serial } har hänvisats till er som ansvarig serviceleverantör.

    Kontaktperson: { $caller }
    Telefon: { $phone }
    E-post: { $email }
    Företag: { $company }
    Arbetsplats: { $site }

    Problem: { $problem }

mail-dispatch_created-subject = Nytt serviceuppdrag: serienummer { $serial }
mail-dispatch_created-body =
    Kundtjänst har skickat ett serviceuppdrag till { $dealer } för serienummer { $serial }.
    Problem: { $problem }
    Kontaktperson: { $caller }

    Acceptera det på { $base_url }/api/v1/dispatches/{ $dispatch_id }.

mail-labour_decided-subject = Arbetsersättning { $decision }: serienummer { $serial }
mail-labour_decided-body =
    Arbetsersättningen för serviceuppdrag { $dispatch_id } (serienummer { $serial }) är { $decision }.
mail-labour_amount = Belopp: { $amount } { $currency } (i minsta enhet)

mail-claim_decided-subject = Garantianspråk { $decision }: del { $part } till serienummer { $serial }
mail-claim_decided-body =
    Ert garantianspråk { $claim_id } för del { $part } (serienummer { $serial }) är { $decision }.

mail-reading_reminder-subject-one = Dags att rapportera mätarställning: serienummer { $serial }
mail-reading_reminder-subject-many = Dags att rapportera mätarställningar: { $count } maskiner
mail-reading_reminder-line = - serienummer { $serial } ({ $site }, { $location }): perioden stänger { $closes }; rapportera på { $base_url }/api/v1/devices/{ $device_id }/meter-readings
mail-reading_reminder-body =
    avläsningsperioden för { $account } stänger snart, och de här maskinerna saknar
    mätarställning för perioden:

    { $lines }

    Mätarställningar som rapporteras efter att perioden stängt räknas till nästa period.

mail-email_changed-subject = Din e-postadress i fleetdesk har ändrats
mail-email_changed-body =
    kundtjänst har ändrat e-postadressen för din fleetdesk-användare till
    { $email }. Utskick går nu dit. Om du inte har bett om detta, ring kundtjänst.

mail-password_reset-subject = Återställ ditt lösenord i fleetdesk
mail-password_reset-body =
    någon har bett om att återställa lösenordet för din fleetdesk-användare. Länken
    fungerar en gång, i en timme:

      { $base_url }/reset-password?token={ $token }

    Du kan också skicka koden med ditt nya lösenord till
    POST { $base_url }/api/v1/auth/password-reset/confirm:

      { $token }

    När du väljer ett nytt lösenord loggas du ut överallt. Om du inte har bett om detta
    kan du bortse från meddelandet: ditt lösenord förblir detsamma.

mail-password_changed-subject = Ditt lösenord i fleetdesk har ändrats
mail-password_changed-body =
    lösenordet för din fleetdesk-användare har ändrats, och alla inloggningar med det
    gamla lösenordet har avslutats. Om det inte var du, återställ lösenordet genast och
    ring kundtjänst.

mail-webhook_disabled-subject = En webhook i fleetdesk har stängts av
mail-webhook_disabled-body =
    webhooken { $webhook_id } som levererar händelser till
    { $url }
    har stängts av: { $reason }.

    Inga fler händelser levereras till den förrän den slås på igen
    (PATCH /api/v1/webhooks/{ $webhook_id } med "active": true); de händelser den missat
    levereras då, i ordning. Dess leveranser och svaren på dem finns under
    GET /api/v1/webhooks/{ $webhook_id }/deliveries.
webhook-disabled-creator-gone = den som skapade den har inte längre en roll som får läsa ägarens händelser
webhook-disabled-failing = leveransen { $delivery } har misslyckats i { $hours } timmar (senast: { $error })

mail-case_status-subject = Ärende "{ $summary }": { $status }
mail-case_status-body =
    ditt ärende "{ $summary }" är nu { $status }.

      { $base_url }/api/v1/cases/{ $case_id }

mail-case_comment-subject = Ärende "{ $summary }": svar från kundtjänst
mail-case_comment-body =
    kundtjänst har svarat i ditt ärende "{ $summary }":

    { $comment }

      { $base_url }/api/v1/cases/{ $case_id }

mail-case_overdue-subject = Svarstiden har passerats: ärende "{ $summary }" för { $account }
mail-case_overdue-body =
    ärendet "{ $summary }" för { $account } har inte fått något första
    svar, och den avtalade svarstiden gick ut { $deadline } (UTC).

      { $base_url }/api/v1/cases/{ $case_id }

mail-role_changed-subject = Din roll hos { $account } har ändrats
mail-role_changed-body =
    din roll hos { $account } i fleetdesk är nu { $role }.

mail-member_removed-subject = Du hör inte längre till { $account }
mail-member_removed-body =
    du har tagits bort från { $account } i fleetdesk; kontots maskiner, ärenden och lager
    visas inte längre för dig. Om det är fel, kontakta kontoadministratören.

mail-device_removed-subject = Maskinen är borttagen: serienummer { $serial }
mail-device_removed-body =
    maskinen med serienummer { $serial } som du bad om att få borttagen finns inte längre
    på { $account }.

mail-order_raised-subject = Påfyllning beställd till { $location }: { $part }
mail-order_raised-body =
    en påfyllningsorder på { $quantity } × { $part } har lagts för lagerplatsen
    { $location } hos { $account }.

      { $base_url }/api/v1/stock-locations/{ $location_id }

mail-order_shipped-subject = Påfyllning skickad till { $location }: { $part }
mail-order_shipped-body =
    påfyllningsordern på { $part } till lagerplatsen { $location } har skickats med
    { $carrier }, spårningsnummer { $tracking }.

      { $base_url }/api/v1/stock-locations/{ $location_id }

mail-unsubscribe =
    Du får det här meddelandet eftersom du får utskick om { $why }. Stäng av dem:
    { $link }
    eller välj vilka utskick du vill ha på { $base_url }/api/v1/me/notifications.

## Utskicksslagen, som en användare väljer dem.

notification-case_updates = ändringar i dina ärenden
notification-case_response_overdue = försenade första svar
notification-join_requests = begäranden om att ansluta till ditt konto
notification-membership_changes = ändringar av din roll
notification-device_removals = genomförda borttagningar av maskiner
notification-replenishment_orders = påfyllningsordrar
notification-dispatches = nya serviceuppdrag
notification-dispatch_decisions = beslut om arbetsersättning och garantianspråk
notification-reading_reminders = påminnelser om mätarställning

## Sidan som en avregistreringslänk öppnar.

unsubscribe-page-title = Stoppa de här utskicken
unsubscribe-page-text = Stoppa utskick om { $what } till { $email }?
unsubscribe-page-button = Stoppa utskicken
unsubscribe-done = Du får inte längre utskick om { $what }.
