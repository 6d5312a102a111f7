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

## Problembeskrivningar och fältmeddelanden för enskilda avslag.

detail-devices-stand-stood-site-stays-move = maskiner står eller har stått på den här arbetsplatsen: den finns kvar (flytta dem till en annan arbetsplats först)
detail-account-already-site-name = kontot har redan en arbetsplats med det namnet
invalid-must-administrator-account = måste vara administratör för det här kontot
invalid-no-such-model = det finns ingen sådan modell
invalid-catalogued-remedy-call-s-problem = är ingen åtgärd i katalogen för samtalets problem
detail-serial-number-no-dealer-record = serienumret har ingen ansvarig återförsäljare
detail-call-changed-meanwhile = samtalet har ändrats under tiden
detail-device-removed-cases-can-no-longer = maskinen är borttagen; det går inte längre att öppna ärenden för den
detail-case-closed-cancelled-open-new-case = ärendet är avslutat eller makulerat; öppna ett nytt ärende i stället
detail-case-closed-cancelled = ärendet är avslutat eller makulerat
invalid-closed-out-yet = är inte avslutat än
invalid-name-either-dispatch-registration = ange antingen ett serviceuppdrag eller en registrering
detail-part-dispatch-claimed-already = garantianspråk finns redan för den här delen av serviceuppdraget
detail-api-client-revoked = API-klienten har återkallats
detail-api-client-s-creator-no-longer = den som skapade API-klienten har inte längre någon roll hos dess ägare
invalid-client-belongs-account-dealer-both = en klient hör till ett konto eller en återförsäljare, inte båda
invalid-required-account-client-acts = krävs: kontot som klienten agerar för
invalid-name-least-one-scope = ange minst ett behörighetsområde
detail-api-client-revoked-create-new-one = API-klienten är återkallad; skapa en ny
detail-you-one-dealer-s-users-already = du är redan användare hos den här återförsäljaren
detail-address-belongs-user-who-cannot-also = adressen tillhör en användare som inte också kan vara användare hos en återförsäljare
detail-device-serial-number-portal-another-model = en maskin med det här serienumret finns i portalen som en annan modell; kontrollera modellen
detail-serial-number-active-registration = serienumret har redan en aktiv registrering
detail-registration-ended-already = registreringen har redan upphört
invalid-no-such-site-account = det finns ingen sådan arbetsplats på kontot
detail-device-model-serial-number-already = en maskin av den här modellen har redan det serienumret
detail-device-removed-already = maskinen är redan borttagen
detail-call-eligible-dispatch = samtalet uppfyller inte villkoren för ett serviceuppdrag
detail-call-dispatch-already = samtalet har redan ett serviceuppdrag
detail-dispatch-went-dealer-whose-own-technicians = serviceuppdraget gick till en återförsäljare, vars egna tekniker gör arbetet
detail-dispatch-closed-out = serviceuppdraget är avslutat
detail-dispatch-s-labour-eligible-compensation = arbetet i serviceuppdraget ger inte ersättning
detail-labour-decided-already = arbetsersättningen är redan avgjord
detail-invitation-accepted-revoked-already = inbjudan är redan accepterad eller återkallad
invalid-required-new-user = krävs för en ny användare
detail-invitation-sent-another-address-than-signed = inbjudan skickades till en annan adress än den inloggade användarens
detail-address-fleetdesk-user-sign-give-current = adressen har redan en fleetdesk-användare: logga in som den, eller ange dess nuvarande lösenord som current_password
detail-current-password-wrong = det nuvarande lösenordet är fel
detail-address-changed-meanwhile-try-again = adressen har ändrats under tiden; försök igen
invalid-no-such-device-model = det finns ingen sådan maskinmodell
invalid-field-technician = är ingen fälttekniker
detail-address-belongs-member-account-already = adressen tillhör redan en medlem av kontot
detail-you-member-account-already = du är redan medlem av kontot
detail-request-decided-already = begäran är redan avgjord
detail-requester-member-already = den som frågar är redan medlem
detail-device-no-readings-correct-yet = maskinen har inga mätarställningar att rätta än
detail-another-user-address = en annan användare har den adressen
detail-user-s-address-confirmed-already = användarens adress är redan bekräftad
detail-token-s-user-no-longer-exists = tokenets användare finns inte längre
invalid-your-current-password = är inte ditt nuvarande lösenord
detail-reset-link-unknown-used-expired-ask = återställningslänken är okänd, använd eller har gått ut; be om en ny
detail-account-stock-location-name = kontot har redan en lagerplats med det namnet
invalid-stocked-location = finns inte i lager på den här lagerplatsen
invalid-linked-location = är inte kopplad till den här lagerplatsen
detail-order-received-already = beställningen är redan mottagen
invalid-every-device-must-belong-location-s = varje maskin måste höra till lagerplatsens konto
invalid-device-account = är ingen maskin på det här kontot
detail-order-part-outstanding-location-already = en beställning av den här delen är redan öppen för lagerplatsen
detail-bearer-token-required = en bearer-token krävs
detail-sign-ended-password-changed-sign-again = inloggningen har avslutats (lösenordet har ändrats); logga in igen
invalid-cursor-api-issued = är ingen markör som det här API:et har gett ut
detail-idempotency-key-must-1-255-visible = Idempotency-Key ska vara 1 till 255 synliga ASCII-tecken
detail-idempotency-key-used-different-request = den här Idempotency-Key har använts för en annan begäran
detail-first-request-idempotency-key-still-running = den första begäran med den här Idempotency-Key pågår fortfarande
detail-request-body-larger-than-allowed = begärans innehåll är större än tillåtet
detail-send-content-type-application-json = skicka Content-Type: application/json
detail-body-must-json-object = innehållet ska vara ett JSON-objekt
invalid-attach-one-file-time = bifoga en fil i taget
invalid-must-true-false = ska vara true eller false
invalid-field-form-file-internal = är inget fält i det här formuläret (file, internal)
invalid-attach-file = bifoga en fil
invalid-file-empty = filen är tom
invalid-must-1-60-z-0-9 = ska vara 1 till 60 tecken av a-z, 0-9 och _
invalid-required-service-problem = krävs för ett serviceproblem
invalid-must-empty = får inte vara tomt
invalid-must-phone-number-digits-spaces = ska vara ett telefonnummer: siffror, mellanslag, + - ( ) /
invalid-name-device-case-about-account-alone = ange maskinen eller, för ett ärende om bara kontot, kontot; inte båda
invalid-name-device-case-about-billing-question = ange maskinen som ärendet gäller (eller, för en fakturafråga, en allmän fråga eller en fråga om mätarställning som gäller bara kontot, account_id)
invalid-must-opened-deadline = ska vara opened eller deadline
detail-account-no-such-service-contract = kontot har inget sådant serviceavtal
detail-model-name-exists = det finns redan en modell med det namnet
invalid-must-negative = får inte vara negativt
invalid-must-event-s-id-seq = ska vara en händelses id (dess seq)
detail-e-mail-address-password-wrong = e-postadressen eller lösenordet är fel
detail-confirm-your-e-mail-address-first = bekräfta din e-postadress först; be om ett nytt bekräftelsemeddelande om du behöver det
invalid-most-50-models = högst 50 modeller
invalid-names-kind-twice = anger ett slag två gånger
detail-unsubscribe-link-valid = avregistreringslänken är inte giltig
detail-export-offered-application-json-text-csv = exporten finns som application/json eller text/csv
invalid-must-before-from = får inte vara före from
invalid-must-most-1000-characters = får vara högst 1000 tecken
detail-supply-levels-reported-device-credential-person = förbrukningsnivåer rapporteras med en enhetsnyckel, inte med en persons inloggning
detail-device-credential-unknown-revoked = enhetsnyckeln är okänd eller återkallad
invalid-name-least-one-kind-event = ange minst ett slags händelse
detail-access-token-expired = åtkomsttoken har gått ut
detail-access-token-malformed = åtkomsttoken är felformaterad
detail-role-not-assigned = rollen { $role } tilldelas inte { $what ->
        [sites] arbetsplatser: det gör bara maskinansvariga
        [stock] lagerplatser: det gör bara lageransvariga
       *[devices] maskiner: det gör bara maskinansvariga
    }
invalid-assigned-outside-account = alla { $what ->
        [sites] arbetsplatser
        [stock] lagerplatser
       *[devices] maskiner
    } måste höra till det här kontot
detail-account-number-taken = ett annat konto har redan detta { $field }
detail-call-already = samtalet är redan { $status }
invalid-case-needs-device = ett ärende av slaget { $category } gäller en maskin: ange den
invalid-not-yours = är inte ett av dina { $what ->
        [registrations] aktiva registreringar
       *[dispatches] serviceuppdrag
    }
detail-claim-already = garantianspråket är redan { $status }
invalid-clients-connected-by-administrators = kundtjänst kopplar in tillverkarens egna system; ett kontos eller en återförsäljares kopplas in av dess administratörer
invalid-scopes-grant-nothing = { $scopes } skulle inte ge något: din roll där utför inga av deras åtgärder
invalid-not-a-time = '{ $value }' är ingen tid på formen TT:MM
detail-dispatch-is = serviceuppdraget är { $status }
detail-dispatch-not-accepted = serviceuppdraget är { $status }; bara ett accepterat uppdrag kan avslutas
detail-dispatch-not-closed-out = serviceuppdraget är { $status }; arbetsersättningen avgörs efter avslut
detail-insufficient-stock = bara { $on_hand } i lager: lagersaldot blir aldrig negativt
detail-order-open = beställning { $order } av den här delen är { $status } för lagerplatsen; den tas emot eller makuleras först
detail-order-closed = beställningen är { $status }; bara en öppen beställning kan ändras så
invalid-limit = ska vara 1 till { $max }
detail-no-route = ingen adress { $path }
detail-method-not-allowed = { $method } är inte tillåtet på { $path }; tillåtet: { $allowed }
invalid-one-of = ska vara något av: { $names }
detail-attachment-too-large = en bilaga får vara högst { $max } byte
detail-form-unreadable = formuläret gick inte att läsa: { $cause }
invalid-case-status = '{ $value }' är ingen ärendestatus
detail-client-rate = den här API-klienten får göra { $rate } förfrågningar i minuten; försök igen om { $seconds } s
detail-invitation-used-already = inbjudan är redan använd
detail-invitation-revoked = inbjudan har återkallats
detail-invitation-expired-ask-new-one = inbjudan har gått ut; be om en ny
detail-too-many-failed-sign-ins-wait = för många misslyckade inloggningar; vänta innan du försöker igen
detail-invitation-token-valid = inbjudningskoden är inte giltig
detail-confirmation-token-valid = bekräftelsekoden är inte giltig
detail-confirmation-token-used-replaced-newer-one = bekräftelsekoden har redan använts eller ersatts av en nyare
detail-confirmation-token-expired-ask-new-mail = bekräftelsekoden har gått ut; be om ett nytt meddelande
detail-address-token-confirms-changed-since = adressen som koden bekräftar har ändrats sedan dess
detail-refresh-token-valid = förnyelsetoken är inte giltig
detail-refresh-token-already-used-sign-again = förnyelsetoken har redan använts; logga in igen
detail-refresh-token-revoked-sign-again = förnyelsetoken har återkallats; logga in igen
detail-refresh-token-expired-sign-again = förnyelsetoken har gått ut; logga in igen
detail-sign-reached-maximum-age-sign-again = inloggningen har nått sin högsta ålder; logga in igen
detail-send-file-multipart-form-data-field = skicka filen som multipart/form-data, i ett fält som heter file
detail-file-s-content-png-jpeg-pdf = filens innehåll är inte PNG, JPEG, PDF eller vanlig text; andra slags filer tas inte emot
detail-too-many-failed-token-requests-wait = för många misslyckade tokenförfrågningar; vänta innan du försöker igen
detail-too-many-wrong-passwords-wait-before = för många felaktiga lösenord; vänta innan du försöker igen
detail-too-many-mails-were-asked-address = för många utskick har begärts för den här adressen eller från den här klienten; vänta innan du ber igen
invalid-url-too-long = är längre än 2048 tecken
invalid-must-https = måste vara https
invalid-no-host = saknar värdnamn
invalid-no-fragment = får inte ha ett fragment (#…)
invalid-not-a-url = är ingen URL: { $cause }
invalid-must-https-not = måste vara https, inte { $scheme }
invalid-host-unresolved = värden { $host } går inte att slå upp
invalid-host-unresolved-in-time = värden { $host } går inte att slå upp: dess namnserver svarade inte inom { $seconds } s
invalid-host-not-public = värden pekar på { $address }, som inte är en publik adress (loopback-, privata, länklokala och metadataadresser avvisas)
detail-file-type-mismatch = filen skickades som { $declared }, men innehållet är { $kind }
detail-access-token-signature = åtkomsttokens signatur är ogiltig
detail-access-token-audience = åtkomsttoken gäller inte det här API:et
detail-access-token-algorithm = åtkomsttoken använder en algoritm som det här API:et inte godtar

invalid-may-contain-only-letters-digits-inner = får bara innehålla bokstäver, siffror och bindestreck inuti
invalid-must-contain-control-characters = får inte innehålla styrtecken
invalid-digits-spaces-only-most-40 = bara siffror, mellanslag och + - ( ) . /, högst 40
invalid-currency-must-three-letter-iso-4217 = valutan ska vara en kod på tre bokstäver enligt ISO 4217
invalid-unknown-rating = okänd kreditvärdighet
invalid-amount-minor-must-negative = amount_minor får inte vara negativt
invalid-week-no-office-hours = veckan har ingen kontorstid
invalid-must-solved-failed-applicable = ska vara solved, failed eller not_applicable
invalid-say-why-remedy-does-apply = säg varför åtgärden inte är tillämplig
invalid-must-before-dispatch-created = får inte vara före det att serviceuppdraget skapades
invalid-must-after-arrived = ska vara efter arrived_at
invalid-must-future = får inte ligga i framtiden
invalid-must-1-40-characters = ska vara 1 till 40 tecken
invalid-must-1-1000 = ska vara 1 till 1000
invalid-must-most-2000-characters = får vara högst 2000 tecken
invalid-must-approved-rejected = ska vara approved eller rejected
invalid-rejection-needs-reason = ett avslag behöver ett skäl
invalid-rejection-carries-no-amount = ett avslag har inget belopp
invalid-approval-needs-amount = ett godkännande behöver ett belopp
invalid-approval-needs-currency = ett godkännande behöver en valuta
invalid-reported-defective-dispatch-s-close-out = rapporterades inte som defekt när serviceuppdraget avslutades
invalid-no-warranty-known-device = ingen garanti är känd för maskinen
invalid-may-contain-only-letters-digits = får bara innehålla bokstäver, siffror, '-' och '/'
invalid-device-reports-1-16-meters = en maskin rapporterar 1 till 16 mätare
invalid-must-before-install-date = får inte vara före install_date
invalid-must-1-50000-characters = ska vara 1 till 50000 tecken
invalid-most-20-tags = högst 20 taggar
invalid-each-tag-must-1-40-letters = varje tagg ska vara 1 till 40 bokstäver, siffror och '-'
invalid-must-month-yyyy-mm = ska vara en månad: ÅÅÅÅ-MM
invalid-must-iso-3166-1-alpha-2 = ska vara en kod enligt ISO 3166-1 alpha-2, till exempel SE
invalid-must-1-40-z-0-9 = ska vara 1 till 40 av A-Z, 0-9, '-', '.' och '/'
invalid-out-range = utanför tillåtet intervall
invalid-must-1-99 = ska vara 1 till 99
invalid-must-0-100 = ska vara 0 till 100
invalid-must-name-each-consumable-once = ska ange varje förbrukningsartikel en gång
invalid-interval-backwards = dag { $day }: ett intervall måste sluta efter att det börjar
invalid-intervals-overlap = dag { $day }: intervallen överlappar
invalid-not-a-day = { $month }-{ $day } är ingen dag på året
invalid-labour-minutes = ska vara 1 till { $max }, minuterna mellan ankomst och färdigt arbete
invalid-after-warranty = är efter att garantin gick ut { $end }
invalid-meter-name = '{ $name }' är inget mätarnamn (a-z, 0-9, '-', '_')
invalid-listed-twice = '{ $name }' finns med två gånger
invalid-email-too-long = är längre än 254 tecken
invalid-email-no-at = behöver ett @
invalid-email-local-part = behöver 1 till 64 tecken före @
invalid-email-spaces = får inte innehålla mellanslag eller ett andra @
invalid-email-domain = behöver en domän som example.com efter @
invalid-password-short = behöver minst 10 tecken
invalid-password-long = får ha högst 128 tecken
invalid-password-common = är ett av de vanligaste lösenorden
invalid-password-few-characters = behöver minst 4 olika tecken
invalid-password-contains-address = får inte innehålla din e-postadress
invalid-unknown-role = okänd roll '{ $value }'; någon av: { $names }
invalid-closing-day = ska vara 1 till { $max }, eller null för månadens sista dag
invalid-time-zone = '{ $value }' är ingen tidszon i IANA:s databas
invalid-supplies-count = ska ange 1 till { $max } förbrukningsartiklar
reading-unknown-meter = maskinen har ingen mätare '{ $meter }'
reading-missing-meter = mätaren '{ $meter }' saknas: alla maskinens mätare läses av tillsammans
reading-invalid-value = värdet för '{ $meter }' ska vara ett heltal, minst 0
reading-lower-than-previous = '{ $meter }' är { $submitted }, lägre än den senast godkända mätarställningen { $previous } från { $previous_day }
reading-already-today = en mätarställning för maskinen har redan godkänts i dag ({ $day })
reading-implausible = '{ $meter }' har ökat med { $increase } sedan { $previous_day }, mer än modellen hinner skriva ut på den tiden (högst { $max_increase }); bekräfta den om den stämmer
correction-no-meters = en rättelse anger minst en mätare
correction-final-values = slutställningar hör till en nollställning eller ett byte, inte till en felaktig avläsning
correction-final-of-uncorrected = '{ $meter }' har en slutställning men rättas inte
case-move-illegal = ett ärende kan inte gå från { $from } till { $to }
case-move-not-yours = du får inte flytta ett ärende från { $from } till { $to }
invalid-stock-not-enough = bara { $on_hand } i lager
invalid-stock-too-many = lagret skulle bli större än { $max }
clock-no-office-time = kalendern ger ingen kontorstid inom tre år: svarstiden kan inte räknas i den här kalendern
membership-last-administrator = en organisation behåller minst en administratör: utse en annan först
detail-case-changed = ärendet har ändrats under tiden; hämta det igen och försök på nytt
detail-device-removed = maskinen är borttagen; dess historik finns kvar
detail-body-unreadable = innehållet gick inte att läsa: { $cause }
detail-body-does-not-fit = innehållet passar inte den här begäran: { $cause }
detail-query-unreadable = frågan gick inte att läsa: { $cause }

## Varför arbetet inte ersätts.

labour-not-dispatched-by-call-center = kundtjänst har inte skickat ut den här servicen
labour-own-service = kundtjänstens egen service: ingen återförsäljare att ersätta
labour-not-closed-out = inte avslutat med del 2 av serviceuppdraget
labour-out-of-warranty = maskinen var utan garanti när samtalet kom in
labour-warranty-unknown = maskinens garanti när samtalet kom in är okänd
labour-warranty-marketing-program = maskinen är registrerad i Warranty Marketing Program

## Svar på förfrågningar vars utfall inte avslöjas (samma för alla adresser).

accepted-registered = Om adressen kan registreras är ett bekräftelsemeddelande på väg.
accepted-resend = Om adressen väntar på bekräftelse är ett nytt bekräftelsemeddelande på väg.
accepted-resent = Ett nytt bekräftelsemeddelande är på väg.
accepted-password-reset = Om adressen har en användare är ett meddelande med en länk för att återställa lösenordet på väg.

## Hur ett ärendes svarstid räknades.

sla-no-contract = Kontot hade inget serviceavtal när ärendet öppnades, så ärendet har ingen svarstid.
sla-started-in-hours = Ärendet öppnades { $opened } inom kontorstid, så klockan startade direkt.
sla-started-next-opening = Ärendet öppnades { $opened } utanför kontorstid, så klockan startade när kontoret öppnade igen, { $start }.
sla-counted = Avtalsversion { $version } ger { $minutes } minuter kontorstid i { $time_zone }; räknade över { $periods } period(er) tar de slut { $deadline }.
sla-holidays-skipped = Överhoppade helgdagar: { $holidays }.
weekday-1 = måndag
weekday-2 = tisdag
weekday-3 = onsdag
weekday-4 = torsdag
weekday-5 = fredag
weekday-6 = lördag
weekday-7 = söndag

## Vad man kan göra åt en avvisad mätarställning.

step-send-every-meter = Skicka alla maskinens mätare, och bara dem, var och en som ett heltal från 0 och uppåt; maskinen visar sina mätare.
step-read-counter-again = Läs av räkneverket igen på maskinens räknarsida; en mätarställning är aldrig lägre än den förra.
step-meter-query-reset = Om mätaren verkligen visar det här värdet (den har nollställts eller bytts), öppna ett ärende om mätarställning eller ring kundtjänst, som kan rätta historiken.
step-one-a-day = En mätarställning per dag tas emot (arbetsplatsens dag): rapportera nästa i morgon.
step-meter-query-today = Om dagens mätarställning var fel, öppna ett ärende om mätarställning eller ring kundtjänst, som kan rätta den.
step-confirm-implausible = Om värdet stämmer, skicka det igen med "confirm_implausible": true; det tas emot och markeras för granskning.
step-read-again-if-not = Om det inte stämmer, läs av räkneverket igen och rapportera värdet det visar.
