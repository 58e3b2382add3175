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
}
