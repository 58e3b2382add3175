using Introserv.ServiceDefaults;

namespace Introserv.Notifications.Features;

// Every coded problem the Notifications API answers (see ProblemType); README lists them.
public static class NotificationsProblems
{
    public static readonly ProblemType SettingsNotFound = new(
        StatusCodes.Status404NotFound, "settings_not_found", "No settings");
    public static readonly ProblemType SettingsVersionMismatch = new(
        StatusCodes.Status412PreconditionFailed, "settings_version_mismatch", "Settings changed");
    public static readonly ProblemType PreconditionRequired = Preconditions.Required;
    public static readonly ProblemType StepUpRequired = ConfirmationProblems.StepUpRequired;
    public static readonly ProblemType ConfirmationUnavailable = ConfirmationProblems.ConfirmationUnavailable;
    public static readonly ProblemType WebhookEndpointNotFound = new(
        StatusCodes.Status404NotFound, "webhook_endpoint_not_found", "No such webhook endpoint");
    public static readonly ProblemType WebhookDeliveryNotFound = new(
        StatusCodes.Status404NotFound, "webhook_delivery_not_found", "No such delivery");
    public static readonly ProblemType WebhookEndpointLimitReached = new(
        StatusCodes.Status409Conflict, "webhook_endpoint_limit_reached", "Too many webhook endpoints");
}
