using Introserv.Orders.Features.Lifecycle;
using Microsoft.Extensions.Configuration;

namespace Introserv.Orders.Tests;

// The reminder days a deployment configures replace the defaults, not add to them (configuration binding adds to a
// collection that already has values, so the defaults are not the property's initial value).
public sealed class LifecycleOptionsTests
{
    private static LifecycleOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var options = new LifecycleOptions();
        configuration.Bind(options);
        return options;
    }

    [Fact]
    public void Reminder_days_default_to_7_3_and_1_and_configured_ones_replace_them()
    {
        Assert.Equal([1, 3, 7], Bind().EffectiveReminderDays);
        Assert.Equal([2, 5], Bind(("ReminderDays:0", "5"), ("ReminderDays:1", "2")).EffectiveReminderDays);
        Assert.Empty(Bind(("Reminders", "false")).EffectiveReminderDays);
        var outOfRange = Bind(("ReminderDays:0", "0"));
        Assert.NotEmpty(outOfRange.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(outOfRange)));
    }
}
