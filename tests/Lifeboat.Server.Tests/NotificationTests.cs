using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Lifeboat.Platform.Access;
using MimeKit;

namespace Lifeboat.Server.Tests;

/// <summary>A server that tells responders of declared incidents: the real local postfix, and a stand-in for Slack's webhook that fails at first.</summary>
public sealed class NotifyingServerFixture : ServerFixture
{
    /// <summary>Where scripts/setup.sh postfix delivers mail for lifeboat.test.</summary>
    public const string Maildir = "/var/mail/lifeboat-test/inbox";

    public FakeSlackWebhook Slack { get; } = new() { FailFirst = 2 };

    /// <summary>A recipient of this fixture's own, so messages of other runs in the shared Maildir are told apart.</summary>
    public string Responders { get; } = $"responders-{Guid.NewGuid():n}@lifeboat.test";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Lifeboat:Incidents:Notify:MailHost"] = "127.0.0.1",
        ["Lifeboat:Incidents:Notify:MailTo"] = Responders,
        ["Lifeboat:Incidents:Notify:Webhooks"] = Slack.Url.AbsoluteUri,
        ["Lifeboat:Incidents:Notify:IntervalSeconds"] = "0.5",
        ["Lifeboat:Incidents:Notify:RetryAfterSeconds"] = "0.5",
        ["Lifeboat:ConsoleUrl"] = "https://lifeboat.example.com/",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Slack.Dispose();
    }
}

public sealed class NotificationTests(NotifyingServerFixture fixture) : IClassFixture<NotifyingServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 120_000)]
    public async Task DeclaringAnIncident_MailsTheResponders_AndPostsToTheChatWebhook_TryingAgainUntilItTakesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var op = await fixture.ClientAsAsync($"op-{Guid.NewGuid():n}"[..16], Roles.Operator);
        var declared = await (await op.PostAsJsonAsync("/api/incidents", new { title = "883 sites deleted by a cleanup script", type = "mass-deletion", severity = "SEV1" }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var id = declared.Str("id");

        var mail = await EventuallyAsync(() => MailTo(fixture.Responders, id), ct);
        mail.Subject.ShouldBe($"[SEV1] {id} declared: 883 sites deleted by a cleanup script");
        mail.From.Mailboxes.Single().Address.ShouldBe("lifeboat@localhost");
        (mail.TextBody ?? "").ShouldContain($"Incident room: https://lifeboat.example.com/incidents/{id}");

        // The stand-in answered 500 twice: the notice is posted again until it is taken, once.
        var posted = JsonNode.Parse(await EventuallyAsync(() => fixture.Slack.Accepted.FirstOrDefault(b => b.Contains(id, StringComparison.Ordinal)), ct))!;
        posted["text"]!.GetValue<string>().ShouldStartWith($"*[SEV1] {id} declared: 883 sites deleted by a cleanup script*\n");
        var timeline = await EventuallyAsync(async () =>
        {
            var events = (await op.GetJsonAsync($"/api/incidents/{id}/timeline")).AsArray();
            return events.Count(e => e.Str("kind") == "notified") == 2 ? events : null;
        }, ct);
        timeline.Where(e => e.Str("kind") == "notified").Select(e => e.Str("text")).ShouldBe(
            [$"told the chat webhook at 127.0.0.1 of the declaration (try 3)", $"told {fixture.Responders} by e-mail of the declaration"], ignoreOrder: true);
        timeline.ShouldAllBe(e => !e.Str("text").Contains("secret-token", StringComparison.Ordinal), "a webhook's URL is a secret");
        fixture.Slack.Accepted.Count(b => b.Contains(id, StringComparison.Ordinal)).ShouldBe(1);
    }

    private static MimeMessage? MailTo(string recipient, string incident)
    {
        var folder = Path.Combine(NotifyingServerFixture.Maildir, "new");
        if (!Directory.Exists(folder))
        {
            return null;
        }

        foreach (var file in Directory.EnumerateFiles(folder))
        {
            using var stream = File.OpenRead(file);
            var message = MimeMessage.Load(stream);
            if (message.To.Mailboxes.Any(m => m.Address == recipient) && (message.Subject ?? "").Contains(incident, StringComparison.Ordinal))
            {
                return message;
            }
        }

        return null;
    }

    private static Task<T> EventuallyAsync<T>(Func<T?> probe, CancellationToken ct) where T : class => EventuallyAsync(() => Task.FromResult(probe()), ct);

    private static Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, CancellationToken ct) where T : class =>
        Eventually.Async(probe, "it to arrive (is postfix running? bash scripts/setup.sh postfix)", ct, Patience);

}
