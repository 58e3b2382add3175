using System.Collections.Frozen;

namespace Introserv.Panel.Api;

// Every problem code the gateway's API can answer, as a sentence for the person using the panel. A test checks that
// each code in the gateway's OpenAPI document has one.
public static class ProblemText
{
    public static readonly FrozenDictionary<string, string> Sentences = new Dictionary<string, string>
    {
        ["account_not_found"] = "This account no longer exists. Please sign in again.",
        ["address_not_found"] = "That address is not one of ours.",
        ["address_pool_exhausted"] =
            "No IP address is free for a new service right now. Please try again later or contact support.",
        ["allow_list_unavailable"] = "Your access could not be checked just now. Please try again in a moment.",
        ["callback_amount_mismatch"] =
            "The payment provider reported a different amount; the payment was not credited.",
        ["callback_invalid"] = "The payment provider's message could not be read.",
        ["callback_signature_invalid"] = "The payment provider's message was not signed correctly.",
        ["challenge_already_used"] = "This code has already been confirmed.",
        ["challenge_expired"] = "The code has expired. Ask for a new one.",
        ["challenge_locked"] = "Too many wrong codes. Ask for a new code.",
        ["challenge_not_found"] = "This verification is no longer open. Start again.",
        ["challenge_store_unavailable"] = "Phone verification is unavailable just now. Please try again in a moment.",
        ["client_closed_request"] = "The request was interrupted. Please try again.",
        ["confirmation_unavailable"] =
            "The confirmation service is unavailable just now. Please try again in a moment.",
        ["country_change_requires_support"] = "Your country can only be changed by support. Please contact support.",
        ["currency_mismatch"] = "The amount is in a different currency from your balance.",
        ["current_password_incorrect"] = "The current password is not correct.",
        ["customer_not_found"] = "There is no such customer.",
        ["delivery_failed"] = "The code could not be delivered to your phone. Try the other way (text or call).",
        ["email_already_confirmed"] = "Your email address is already confirmed.",
        ["email_change_requires_confirmation"] =
            "A new email address takes effect once you confirm it from the link we mail to it.",
        ["email_change_token_expired"] = "This email change link has expired. Ask for a new one.",
        ["email_change_token_invalid"] = "This email change link is not valid.",
        ["email_change_token_used"] = "This email change link has already been used.",
        ["email_taken"] = "This email address is already registered to another account.",
        ["email_unchanged"] = "That is already your email address.",
        ["forbidden"] = "Your account may not do this.",
        ["idempotency_key_required"] = "The panel did not send a request key. Please reload the page and try again.",
        ["idempotency_key_reused"] =
            "This request was already sent with different details. Please reload the page and try again.",
        ["idempotency_request_in_progress"] =
            "The same request is still being processed. Wait a moment and look again.",
        ["insufficient_balance"] = "Your balance is too low for this. Top up your balance first.",
        ["invalid_address"] = "One of the IP addresses or ranges is not valid.",
        ["invalid_code"] = "The code is not correct.",
        ["invalid_cursor"] = "The list could not be continued. Please reload the page.",
        ["invalid_json"] = "The request could not be read. Please reload the page and try again.",
        ["invalid_parameter"] = "Some of the values are not valid.",
        ["invalid_password"] = "The new password does not meet the rules.",
        ["invalid_second_factor"] = "The code is not correct.",
        ["invoice_already_paid"] = "This invoice is already paid.",
        ["invoice_link_expired"] = "This invoice link has ended. Download the invoice from your invoices.",
        ["invoice_link_invalid"] = "This invoice link is not valid.",
        ["invoice_not_found"] = "There is no such invoice on your account.",
        ["invoice_void"] = "This invoice was voided and cannot be paid.",
        ["ip_not_allowed"] = "Your account does not accept requests from your current IP address.",
        ["login_taken"] = "This login is already taken.",
        ["missing_parameter"] = "A required value is missing.",
        ["no_scheduled_cancellation"] = "This order has no cancellation to withdraw.",
        ["no_verified_phone"] = "You need a verified phone number for this.",
        ["not_a_company"] = "This applies to company accounts only.",
        ["not_a_phone_challenge"] = "This is not a phone verification.",
        ["not_found"] = "That could not be found.",
        ["nothing_to_clear"] = "There is nothing to clear.",
        ["order_ended"] = "This order has ended.",
        ["order_not_cancellable"] = "This order cannot be cancelled in its current state.",
        ["order_not_changeable"] = "This order's plan cannot be changed in its current state.",
        ["order_not_found"] = "There is no such order on your account.",
        ["order_not_renewable"] = "This order cannot be renewed in its current state.",
        ["passkey_ceremony_invalid"] = "The passkey request has expired. Please try again.",
        ["passkey_exists"] = "This passkey is already registered.",
        ["passkey_not_found"] = "There is no such passkey.",
        ["passkey_rejected"] = "The passkey was not accepted.",
        ["password_reset_token_expired"] = "This password reset link has expired. Ask for a new one.",
        ["password_reset_token_invalid"] = "This password reset link is not valid.",
        ["password_reset_token_used"] = "This password reset link has already been used.",
        ["password_reused"] = "You used this password before. Choose a new one.",
        ["payload_too_large"] = "What you sent is too large.",
        ["payment_blocked_company_rejected"] = "Payment is blocked: support did not accept your company details.",
        ["payment_blocked_company_unverified"] = "Payment is blocked until support has verified your company.",
        ["payment_blocked_country_missing"] = "Payment is blocked until your country is set. Please contact support.",
        ["payment_blocked_personal_data_incomplete"] =
            "Payment is blocked until your name, city and address are filled in.",
        ["payment_blocked_postal_address_incomplete"] = "Payment is blocked until your postal address is complete.",
        ["payment_method_unavailable"] = "This payment method is not offered in your country.",
        ["payment_provider_unavailable"] = "The payment provider is unavailable just now. Please try again later.",
        ["payment_provider_unknown"] = "This payment provider is not known.",
        ["payment_reference_used"] = "This payment has already been credited.",
        ["phone_already_verified"] = "Your phone number is already verified.",
        ["phone_changed"] = "Your phone number changed meanwhile. Start the verification again.",
        ["phone_missing"] = "Enter a phone number first.",
        ["phone_not_verified"] = "Verify your phone number first.",
        ["phone_number_type_not_allowed"] = "This kind of phone number cannot be verified.",
        ["plan_change_not_allowed"] = "This plan cannot be changed to that one.",
        ["precondition_required"] = "The panel did not send the version it showed you. Please reload the page.",
        ["profile_not_found"] = "Your profile could not be found. Please contact support.",
        ["profile_version_mismatch"] =
            "Your profile was changed elsewhere meanwhile. The page shows the latest now; make your change again.",
        ["quote_already_used"] = "This quote was already used. Ask for a new one.",
        ["quote_expired"] = "The quote has expired. Ask for a new one.",
        ["quote_not_found"] = "The quote could not be found. Ask for a new one.",
        ["quote_outdated"] = "The order changed since the quote. Ask for a new one.",
        ["rate_limited"] = "Too many requests. Wait a moment and try again.",
        ["resend_too_soon"] = "Wait a little before asking for another code.",
        ["route_not_found"] = "The panel asked for something the billing service does not offer.",
        ["security_code_already_set"] = "Your security code is already set and cannot be changed here.",
        ["security_code_check_required"] = "The caller's security code must be checked first.",
        ["security_code_checks_locked"] = "Too many wrong security codes. Try again later.",
        ["service_unavailable"] =
            "A part of the billing service is unavailable just now; nothing was done. Please try again in a moment.",
        ["session_not_found"] = "That session has already ended.",
        ["settings_not_found"] = "Your notification settings could not be found. Please contact support.",
        ["settings_version_mismatch"] =
            "Your settings were changed elsewhere meanwhile. The page shows the latest now; make your change again.",
        ["sms_not_supported_for_landline"] = "A landline cannot receive texts. Choose a call instead.",
        ["step_up_required"] = "Confirm it is you first.",
        ["telephony_budget_exhausted"] = "Too many codes were sent today. Please try again tomorrow.",
        ["token_in_query"] = "The request carried a sign-in token in its address and was refused.",
        ["too_many_attempts"] = "Too many attempts. Wait a while and try again.",
        ["too_many_challenges"] = "Too many codes were asked for. Wait a while and try again.",
        ["too_many_challenges_from_address"] =
            "Too many codes were asked for from your network. Wait a while and try again.",
        ["too_many_email_change_requests"] = "Too many email changes were asked for. Wait a while and try again.",
        ["too_many_email_confirmation_requests"] =
            "Too many confirmation mails were asked for. Wait a while and try again.",
        ["too_many_messages_to_phone"] = "Too many messages were sent to this number. Wait a while and try again.",
        ["too_many_passkeys"] = "You have registered as many passkeys as allowed.",
        ["too_many_password_reset_requests"] = "Too many password resets were asked for. Wait a while and try again.",
        ["too_many_resends"] = "The code was sent too many times. Start again later.",
        ["top_up_not_found"] = "There is no such top-up.",
        ["two_factor_already_enabled"] = "Two-factor sign-in is already on.",
        ["two_factor_enrollment_missing"] = "Start setting up two-factor sign-in first.",
        ["two_factor_not_enabled"] = "Two-factor sign-in is off.",
        ["unauthorized"] = "Your session has ended. Please sign in again.",
        ["unsupported_media_type"] = "The request was sent in a form the billing service does not accept.",
        ["upstream_timeout"] = "The billing service took too long to answer. Please try again.",
        ["upstream_unavailable"] = "The billing service is unavailable just now. Please try again in a moment.",
        ["validation_failed"] = "Some of the values need correcting.",
        ["webhook_delivery_not_found"] = "There is no such webhook delivery.",
        ["webhook_endpoint_limit_reached"] = "As many webhook endpoints as allowed are registered.",
        ["webhook_endpoint_not_found"] = "There is no such webhook endpoint.",
        ["would_lock_out"] = "This list does not include the address you are using now: saving it would lock you out.",
        ["unreachable"] = "The panel cannot reach the billing service. Check your connection and try again.",
        ["unexpected"] = "Something went wrong. Please try again.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // The sentence for code; an unknown code shows the answer's own detail, or a general sentence.
    public static string For(string? code, string? detail) =>
        code is not null && Sentences.TryGetValue(code, out var sentence)
            ? sentence
            : string.IsNullOrWhiteSpace(detail) ? Sentences["unexpected"] : detail;

    public static string CodeForStatus(int status) => status switch
    {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        429 => "rate_limited",
        502 or 503 => "upstream_unavailable",
        504 => "upstream_timeout",
        _ => "unexpected",
    };
}
