using Bunit;
using Introserv.Panel.Api;
using Introserv.Panel.Shared;

namespace Introserv.Panel.Tests;

public sealed class ProblemAlertTests : BunitContext
{
    [Fact]
    public void A_problem_is_announced_as_an_alert_with_its_sentence_and_no_problem_shows_nothing()
    {
        var problem = new ApiProblem(409, "order_not_renewable", ProblemText.Sentences["order_not_renewable"]);

        var shown = Render<ProblemAlert>(parameters => parameters.Add(p => p.Problem, problem));
        var alert = shown.Find("[role=alert]");
        Assert.Equal(ProblemText.Sentences["order_not_renewable"], alert.TextContent);
        Assert.Equal("order_not_renewable", alert.GetAttribute("data-code"));

        var none = Render<ProblemAlert>(parameters => parameters.Add(p => p.Problem, null));
        Assert.Empty(none.FindAll("[role=alert]"));
    }
}
