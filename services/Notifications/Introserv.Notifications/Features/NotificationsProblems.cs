using Introserv.ServiceDefaults;

namespace Introserv.Notifications.Features;

/// <summary>Every coded problem the Notifications API answers (see <see cref="ProblemType"/>); README lists them.</summary>
public static class NotificationsProblems
{
    public static readonly ProblemType SettingsNotFound = new(StatusCodes.Status404NotFound, "settings_not_found", "No settings");
    public static readonly ProblemType SettingsVersionMismatch = new(StatusCodes.Status412PreconditionFailed, "settings_version_mismatch", "Settings changed");
    public static readonly ProblemType PreconditionRequired = Preconditions.Required;
}
