using System.Xml.Linq;

namespace Introserv.AppHost;

// The development stand-ins (mail catcher, payment provider, telephony gateway, webhook receiver): the projects whose
// project file says IsPublishable false. They run only here and are never deployed.
public static class DevelopmentTools
{
    public static bool IsDevelopmentTool(ProjectResource project)
    {
        ArgumentNullException.ThrowIfNull(project);
        var publishable = XDocument.Load(project.GetProjectMetadata().ProjectPath)
            .Descendants("IsPublishable")
            .SingleOrDefault()?.Value;
        return string.Equals(publishable, "false", StringComparison.OrdinalIgnoreCase);
    }
}
