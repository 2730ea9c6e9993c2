using System.Text.Json.Nodes;
using Lifeboat.Communication.Chat;
using Lifeboat.Communication.Updates;
using static Lifeboat.Communication.Tests.ChannelTesting;

namespace Lifeboat.Communication.Tests;

public sealed class ChatTests(CommsFixture fixture) : IClassFixture<CommsFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task PublishedInternalUpdate_IsPostedToTheChatWebhookOnce_TriedAgainUntilTaken_EveryAttemptLogged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailFirst = 2;
        var webhook = new Uri(receiver.Url, "services/T000/B000/secret-token");
        var chat = fixture.Desk.Chat(new ChatOptions { Webhooks = [webhook], RetryAfter = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromMilliseconds(100) });
        var incident = await fixture.DeclareAsync();
        var inside = await PublishAsync(fixture, incident.Id, UpdateAudience.Internal, "[Identified] Script found", "The cleanup script took site IDs.",
            phase: UpdatePhase.Identified, label: "[Identified]");
        await PublishAsync(fixture, incident.Id, UpdateAudience.Public, "[Identified] Public", "Not for chat.", phase: UpdatePhase.Identified, label: "[Identified]");
        await RedeliverAsync(fixture, inside);

        using var http = new HttpClient();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!receiver.Requests.Any(r => r.Answer == 200) && waited.Elapsed < Patience)
        {
            await chat.TakeEventsAsync();
            await chat.PostAsync(http);
            await Task.Delay(30);
        }

        await chat.PostAsync(http);
        var taken = receiver.Requests.Where(r => r.Answer == 200).ShouldHaveSingleItem();
        JsonNode.Parse(taken.Body)!["text"]!.GetValue<string>().ShouldBe($"*{inside.Subject}*\n{inside.Body}");
        receiver.Requests.Count.ShouldBe(3);
        var post = (await chat.PostsAsync(incident.Id)).ShouldHaveSingleItem();
        (post.Update, post.State, post.Attempts, post.TargetName).ShouldBe((inside.Number, "posted", 3, "the chat webhook at 127.0.0.1"));
        post.Target.ShouldNotContain("secret-token");
        post.Log.Select(a => a.StatusCode).ShouldBe([503, 503, 200]);
        post.Log[0].Error.ShouldBe("the chat webhook at 127.0.0.1 answered 503 Service Unavailable");
    }
}
