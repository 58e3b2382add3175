using Introserv.Identity.Features.SignIn;

namespace Introserv.Identity.Tests;

// The memory behind the allow-list and session checks: an answer read before a change that forgot it (a request
// racing the change) must not be kept, or the old answer would stand for a whole lifetime after the change.
public sealed class RecentAnswersTests
{
    private static RecentAnswers<string, bool> Memory() => new(TimeProvider.System, TimeSpan.FromMinutes(5));

    [Fact]
    public void An_answer_read_before_a_forget_is_not_kept()
    {
        var answers = Memory();
        var generation = answers.Generation;

        answers.Forget("session");
        answers.SetUnlessForgotten("session", true, generation);

        Assert.False(answers.TryGet("session", out _));
    }

    [Fact]
    public void An_answer_read_before_a_clear_is_not_kept()
    {
        var answers = Memory();
        var generation = answers.Generation;

        answers.Clear();
        answers.SetUnlessForgotten("session", true, generation);

        Assert.False(answers.TryGet("session", out _));
    }

    [Fact]
    public void An_answer_read_after_the_last_change_is_kept()
    {
        var answers = Memory();
        answers.Forget("session");
        var generation = answers.Generation;

        answers.SetUnlessForgotten("session", false, generation);

        Assert.True(answers.TryGet("session", out var valid));
        Assert.False(valid);
    }

    [Fact]
    public async Task Twenty_reads_racing_a_forget_leave_no_answer_older_than_it()
    {
        var answers = Memory();
        using var start = new Barrier(21);
        var reads = Enumerable.Range(0, 20).Select(i => Task.Run(() =>
        {
            var generation = answers.Generation;
            start.SignalAndWait();
            Thread.SpinWait(i * 50);
            answers.SetUnlessForgotten("session", true, generation);
        })).ToList();
        start.SignalAndWait();
        answers.Forget("session");
        await Task.WhenAll(reads);

        // Every read began before the forget, so none of their answers may remain.
        Assert.False(answers.TryGet("session", out _));
    }
}
