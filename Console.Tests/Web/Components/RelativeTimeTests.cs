using Bunit;
using Console.Web.Components.Shared;

namespace Console.Tests.Web.Components;

public sealed class RelativeTimeTests : ComponentTestBase
{
    private static readonly DateTime Now = new(2026, 1, 5, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(5, "5 s ago")]
    [InlineData(59, "59 s ago")]
    [InlineData(60, "1 min ago")]
    [InlineData(3_599, "59 min ago")]
    [InlineData(3_600, "1 h ago")]
    [InlineData(47 * 3_600, "47 h ago")]
    [InlineData(3 * 86_400, "3 d ago")]
    [InlineData(-30, "in 30 s")]
    public void Relative_text_says_how_long_ago(int secondsAgo, string expected) =>
        Assert.Equal(expected, RelativeTimeFormat.Relative(Now.AddSeconds(-secondsAgo), Now));

    [Fact]
    public void Missing_time_reads_as_never() => Assert.Equal("never", RelativeTimeFormat.Relative(null, Now));

    [Fact]
    public void Database_times_without_kind_are_treated_as_UTC()
    {
        var unspecified = DateTime.SpecifyKind(Now.AddSeconds(-10), DateTimeKind.Unspecified);
        Assert.Equal("10 s ago", RelativeTimeFormat.Relative(unspecified, Now));
        Assert.Equal("2026-01-05 11:59:50 UTC", RelativeTimeFormat.Exact(unspecified));
    }

    [Fact]
    public void Ticks_every_second_and_shows_the_exact_time_on_hover()
    {
        var at = Time.GetUtcNow().UtcDateTime.AddSeconds(-5);
        var cut = Context.Render<RelativeTime>(p => p.Add(x => x.At, at).Add(x => x.TestId, "polled"));

        var span = cut.Find("[data-testid=polled]");
        Assert.Equal("5 s ago", span.TextContent);
        Assert.Equal("2026-01-05 11:59:55 UTC", span.GetAttribute("title"));

        Time.Advance(TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() => Assert.Equal("6 s ago", cut.Find("[data-testid=polled]").TextContent));

        Time.Advance(TimeSpan.FromMinutes(2));
        cut.WaitForAssertion(() => Assert.Equal("2 min ago", cut.Find("[data-testid=polled]").TextContent));
    }

    [Fact]
    public void A_new_instant_changes_the_machine_readable_stamp()
    {
        var first = Time.GetUtcNow().UtcDateTime;
        var cut = Context.Render<RelativeTime>(p => p.Add(x => x.At, first));
        var before = cut.Find("span").GetAttribute("data-at");

        cut.Render(p => p.Add(x => x.At, first.AddMilliseconds(250)));

        Assert.NotEqual(before, cut.Find("span").GetAttribute("data-at"));
    }

    [Fact]
    public void Never_polled_shows_never_without_a_title_time()
    {
        var cut = Context.Render<RelativeTime>(p => p.Add(x => x.At, (DateTime?)null));
        Assert.Equal("never", cut.Find("span").TextContent);
    }
}
