using Lifeboat.Communication.Events;

namespace Lifeboat.Communication.Tests;

public sealed class OutboxTests(CommsFixture fixture) : IClassFixture<CommsFixture>
{
    [Fact]
    public async Task EachConsumerReadsEveryEventOnceInOrder_AndAFailedHandlerLeavesItsCursorWhereItWas()
    {
        var incident = await fixture.DeclareAsync();
        var context = fixture.Desk.Context;
        for (var i = 1; i <= 3; i++)
        {
            await using var tx = await context.BeginAsync(CancellationToken.None);
            await fixture.Desk.Outbox.AppendAsync(tx, "update.published", incident.Id.Value, null, null, new { number = i }, CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
        }

        await Should.ThrowAsync<InvalidOperationException>(() =>
            fixture.Desk.Outbox.ConsumeAsync("mail", _ => throw new InvalidOperationException("the mail server is down"), cancellationToken: TestContext.Current.CancellationToken));

        var mail = new List<CommsEvent>();
        var webhooks = new List<CommsEvent>();
        await fixture.Desk.Outbox.ConsumeAsync("mail", e => { mail.AddRange(e); return Task.CompletedTask; }, max: 2, cancellationToken: TestContext.Current.CancellationToken);
        await fixture.Desk.Outbox.ConsumeAsync("mail", e => { mail.AddRange(e); return Task.CompletedTask; }, cancellationToken: TestContext.Current.CancellationToken);
        await fixture.Desk.Outbox.ConsumeAsync("webhooks", e => { webhooks.AddRange(e); return Task.CompletedTask; }, cancellationToken: TestContext.Current.CancellationToken);
        (await fixture.Desk.Outbox.ConsumeAsync("mail", _ => Task.CompletedTask, cancellationToken: TestContext.Current.CancellationToken)).ShouldBe(0);

        mail.Select(e => e.Payload.GetProperty("number").GetInt32()).ShouldBe([1, 2, 3]);
        webhooks.Select(e => e.Payload.GetProperty("number").GetInt32()).ShouldBe([1, 2, 3]);
        mail.ShouldAllBe(e => e.Type == "update.published" && e.Incident == incident.Id.Value);
    }
}
