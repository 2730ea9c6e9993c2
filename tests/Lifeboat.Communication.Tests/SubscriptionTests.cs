using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Lifeboat.Communication.Mail;
using Lifeboat.Communication.Updates;
using Npgsql;
using static Lifeboat.Communication.Tests.ChannelTesting;

namespace Lifeboat.Communication.Tests;

public sealed partial class SubscriptionTests(CommsFixture fixture) : IClassFixture<CommsFixture>, IDisposable
{
    private readonly string _run = $"s{Guid.NewGuid():n}"[..13];

    private static MailOptions Options => new() { From = "status@lifeboat.test", PublicUrl = new("https://status.example.com/") };

    private string Mine(string who) => $"{who}-{_run}@lifeboat.test";

    [Fact(Timeout = 60_000)]
    public async Task SubscribingTwice_QueuesOneConfirmation_UntilTheQuietPeriodIsOver()
    {
        var mail = fixture.Desk.Mail(Options);
        var address = Mine("twice");
        await mail.SubscribeAsync(address, ["prd_tracker@eu-west"]);
        await mail.SubscribeAsync(address.ToUpperInvariant(), ["prd_tracker@eu-west", "prd_wiki@eu-west"]);
        (await mail.MessagesToAsync(address)).Count(m => m.Purpose == "subscription-confirm").ShouldBe(1);

        fixture.Clock.Advance(Options.ConfirmationEvery + TimeSpan.FromSeconds(1));
        await mail.SubscribeAsync(address, ["prd_wiki@eu-west"]);
        (await mail.MessagesToAsync(address)).Count(m => m.Purpose == "subscription-confirm").ShouldBe(2, "still unconfirmed after the quiet period: another reminder");

        await mail.SendAsync();
        var links = (await MailToAsync(address, 2)).Select(m => ConfirmToken().Match(m.Message.TextBody!).Groups[1].Value).ToList();
        (await mail.ConfirmAsync(links[^1])).ShouldBe(["prd_tracker@eu-west", "prd_wiki@eu-west"]);
        await SubscribeConfirmedAsync(mail, address);
    }

    [Fact(Timeout = 60_000)]
    public async Task ConfirmationLink_ConfirmsOnce_AndAnExpiredOrUnknownOneIsRefusedChangingNothing()
    {
        var mail = fixture.Desk.Mail(Options);
        var address = Mine("once");
        await mail.SubscribeAsync(address, ["prd_tracker@us-east"]);
        await mail.SendAsync();
        var token = ConfirmToken().Match((await MailToAsync(address)).Single().Message.TextBody!).Groups[1].Value;

        var link = await mail.ReadLinkAsync(token, "confirm");
        (link.Address, link.Used, link.Expired).ShouldBe((address, false, false));
        link.Components.ShouldBe(["prd_tracker@us-east"]);
        (await mail.ConfirmAsync(token)).ShouldBe(["prd_tracker@us-east"]);
        (await RefusedAsync(fixture, () => mail.ConfirmAsync(token))).ShouldStartWith("this confirmation link was used already");
        (await RefusedAsync(fixture, () => mail.ConfirmAsync("not-a-token"))).ShouldContain("malformed");
        (await RefusedAsync(fixture, () => mail.ConfirmAsync(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'))))
            .ShouldStartWith("this confirmation link is not known");

        var late = Mine("late");
        await mail.SubscribeAsync(late, ["prd_tracker@us-east"]);
        await mail.SendAsync();
        var lateToken = ConfirmToken().Match((await MailToAsync(late)).Single().Message.TextBody!).Groups[1].Value;
        fixture.Clock.Advance(Options.ConfirmationLifetime + TimeSpan.FromMinutes(1));
        (await RefusedAsync(fixture, () => mail.ConfirmAsync(lateToken))).ShouldStartWith("this confirmation link expired");
    }

    [Fact(Timeout = 60_000)]
    public async Task LinkTokens_AreKeptOnlyAsTheirSha256_NeverInClear()
    {
        var mail = fixture.Desk.Mail(Options);
        var address = Mine("hashed");
        await mail.SubscribeAsync(address, ["prd_tracker@us-east"]);
        await mail.SendAsync();
        var token = ConfirmToken().Match((await MailToAsync(address)).Single().Message.TextBody!).Groups[1].Value;

        var everything = await EveryCommsRowAsync();
        everything.ShouldNotContain(token);
        var bytes = Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "=");
        bytes.Length.ShouldBe(32);
        everything.ShouldContain(Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact(Timeout = 60_000)]
    public async Task UnsubscribeLink_OfAnUpdateMail_EndsEverySubscriptionOfTheAddress_AndWorksAgainHarmlessly()
    {
        var mail = fixture.Desk.Mail(Options);
        var address = Mine("leaves");
        var site = await SiteInRegionAsync(fixture, "ap-southeast");
        await mail.SubscribeAsync(address, ["prd_tracker@ap-southeast", "prd_wiki@ap-southeast"]);
        await mail.SendAsync();
        await mail.ConfirmAsync(ConfirmToken().Match((await MailToAsync(address)).Single().Message.TextBody!).Groups[1].Value);
        var incident = await fixture.DeclareAsync(sites: [site]);
        var update = await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Restoring 20%] Coming back", "A fifth is back.");
        await mail.FanOutAsync();
        await mail.SendAsync();
        var received = (await MailToAsync(address, 2)).Single(m => m.Message.Subject == update.Subject).Message;
        var token = UnsubscribeToken().Match(received.Headers["List-Unsubscribe"]!).Groups[1].Value;

        (await mail.ReadLinkAsync(token, "unsubscribe")).Components.ShouldBe(["prd_tracker@ap-southeast", "prd_wiki@ap-southeast"]);
        (await mail.UnsubscribeAsync(token)).ShouldBe(2);
        (await mail.UnsubscribeAsync(token)).ShouldBe(0);
        var next = await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Restoring 30%] More", "More is back.");
        await mail.FanOutAsync();
        (await mail.MessagesAsync(incident.Id, next.Number)).ShouldNotContain(m => m.Address == address);
    }

    private async Task SubscribeConfirmedAsync(MailChannel mail, string address)
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT string_agg(component || '=' || state, ',' ORDER BY component) FROM comms.subscriptions WHERE address_key = lower($1)", connection);
        cmd.Parameters.Add(new() { Value = address });
        ((string)(await cmd.ExecuteScalarAsync())!).ShouldBe("prd_tracker@eu-west=confirmed,prd_wiki@eu-west=confirmed");
        _ = mail;
    }

    private async Task<string> EveryCommsRowAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n', (SELECT json_agg(m)::text FROM comms.messages m), (SELECT json_agg(s)::text FROM comms.subscriptions s),
                (SELECT json_agg(json_build_object('hash', encode(token_hash, 'hex'), 'row', t))::text FROM comms.subscription_tokens t))
            """, connection);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    [GeneratedRegex(@"/comms/subscriptions/confirm\?token=([A-Za-z0-9_-]+)")]
    private static partial Regex ConfirmToken();

    [GeneratedRegex(@"unsubscribe\?token=([A-Za-z0-9_-]+)")]
    private static partial Regex UnsubscribeToken();

    public void Dispose() => RemoveMail(_run);
}
