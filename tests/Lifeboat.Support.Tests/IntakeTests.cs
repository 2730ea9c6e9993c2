using Lifeboat.Platform;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Tickets;
using Npgsql;

namespace Lifeboat.Support.Tests;

public sealed class IntakeTests(SupportFixture fixture) : IClassFixture<SupportFixture>
{
    private SupportDesk Desk => fixture.Desk;

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("Dana <dana@lifeboat.test>")]
    [InlineData("dana@")]
    public async Task Submit_MalformedAddress_IsRefusedNamingTheAddress_AndStoresNothing(string address)
    {
        var refused = await fixture.RefusedAsync(() => Desk.SubmitAsync(new SupportRequest(address, "Acme", null, "our site is gone")));

        refused.Kind.ShouldBe(PlatformErrorKind.Invalid);
        refused.Message.ShouldContain("is not an e-mail address");
        refused.Message.ShouldContain("Nothing was stored");
    }

    [Fact]
    public async Task Submit_HugeDescription_IsRefusedSayingTheLimit_AndStoresNothing()
    {
        var refused = await fixture.RefusedAsync(() => Desk.SubmitAsync(new SupportRequest(SupportMail.Address("huge"), null, null, new string('x', 10_001))));

        refused.Message.ShouldContain("what is wrong is 10001 characters long; the limit is 10000");
    }

    [Theory]
    [InlineData("", "the e-mail address is empty")]
    [InlineData("too-long", "the e-mail address is 255 characters long; an address is at most 254")]
    [InlineData("company", "the company is 201 characters long; the limit is 200")]
    [InlineData("site", "the site you use is 501 characters long; the limit is 500")]
    [InlineData("description", "what is wrong is empty")]
    public async Task Submit_AFieldOutOfItsLimits_IsRefusedNamingIt(string field, string message)
    {
        var request = new SupportRequest(SupportMail.Address("limits"), "Acme", "acme", "it broke") switch
        {
            var r when field == "" => r with { Email = " " },
            var r when field == "too-long" => r with { Email = new string('a', 255 - "@lifeboat.test".Length) + "@lifeboat.test" },
            var r when field == "company" => r with { Company = new string('c', 201) },
            var r when field == "site" => r with { Site = new string('s', 501) },
            var r => r with { Description = "   " },
        };

        (await fixture.RefusedAsync(() => Desk.SubmitAsync(request))).Message.ShouldContain(message);
    }

    [Fact]
    public async Task Submit_StoresAnUnverifiedTicketAtOnce_AndMailsACodeAndALink()
    {
        var address = SupportMail.Address("requester");

        var receipt = await Desk.SubmitAsync(new SupportRequest(address, "Acme", "https://acme.example.net", "Our site is gone\nand nobody can sign in"));

        receipt.Message.ShouldBe($"We sent a code to {address}. Enter it here, or open the link in the mail, within 30 minutes to confirm your request.");
        var (code, token, mail) = await SupportMail.VerificationToAsync(address);
        code.ShouldMatch("^[0-9]{6}$");
        token.Length.ShouldBeGreaterThan(40);
        (mail.TextBody ?? "").ShouldContain(receipt.Request.Value);
        var view = await Desk.GetTicketAsync(receipt.Request);
        view.Ticket.State.ShouldBe(TicketState.Unverified);
        view.Ticket.Subject.ShouldBe("Our site is gone");
        view.Ticket.Requester.ShouldBe(address);

        // Only the HMACs are kept: neither the code nor the token is anywhere in the database.
        var state = await fixture.StateAsync();
        state.ShouldNotContain(token);
        state.ShouldContain("\"state\":\"sent\"");
    }

    [Fact]
    public async Task VerifyCode_Wrong_SaysTheTriesLeft_AndAfterFiveLocksTheRequest()
    {
        var address = SupportMail.Address("wrong");
        var receipt = await Desk.SubmitAsync(new SupportRequest(address, null, null, "help"));
        var (code, _, _) = await SupportMail.VerificationToAsync(address);
        var wrong = code == "000000" ? "111111" : "000000";

        var first = await Should.ThrowAsync<PlatformException>(() => Desk.VerifyCodeAsync(receipt.Request, wrong));
        first.Message.ShouldContain("that is not the code we sent");
        first.Message.ShouldContain("4 tries left");
        for (var i = 0; i < 4; i++)
        {
            await Should.ThrowAsync<PlatformException>(() => Desk.VerifyCodeAsync(receipt.Request, wrong));
        }

        var locked = await fixture.RefusedAsync(() => Desk.VerifyCodeAsync(receipt.Request, code));
        locked.Message.ShouldContain("took 5 wrong codes and is locked");
        (await Desk.GetTicketAsync(receipt.Request)).Ticket.State.ShouldBe(TicketState.Unverified);
    }

    [Fact]
    public async Task VerifyCode_NotSixDigits_IsRefusedSayingWhatACodeIs()
    {
        var receipt = await Desk.SubmitAsync(new SupportRequest(SupportMail.Address("format"), null, null, "help"));

        (await fixture.RefusedAsync(() => Desk.VerifyCodeAsync(receipt.Request, "12a"))).Message.ShouldContain("a code is the 6 digits in the mail");
    }

    [Fact]
    public async Task VerifyCode_AfterThirtyMinutes_IsRefusedAsExpired()
    {
        var address = SupportMail.Address("late");
        var receipt = await Desk.SubmitAsync(new SupportRequest(address, null, null, "help"));
        var (code, token, _) = await SupportMail.VerificationToAsync(address);

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        try
        {
            var refused = await fixture.RefusedAsync(() => Desk.VerifyCodeAsync(receipt.Request, code));
            refused.Kind.ShouldBe(PlatformErrorKind.Conflict);
            refused.Message.ShouldContain("this code expired at");
            refused.Message.ShouldContain("Send the form again for a new code");
            (await fixture.RefusedAsync(() => Desk.VerifyLinkAsync(token))).Message.ShouldContain("this link expired at");
        }
        finally
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(-31));
        }
    }

    [Fact]
    public async Task VerifyCode_Reused_IsRefusedAsUsedAlready_AndTheLinkToo()
    {
        var address = SupportMail.Address("twice");
        var receipt = await Desk.SubmitAsync(new SupportRequest(address, null, null, "help"));
        var (code, token, _) = await SupportMail.VerificationToAsync(address);

        var verified = await Desk.VerifyCodeAsync(receipt.Request, code);
        verified.Message.ShouldBe($"Thank you: your address is confirmed and your request {receipt.Request} is with our support team. We will answer at {address}.");

        var again = await fixture.RefusedAsync(() => Desk.VerifyCodeAsync(receipt.Request, code));
        again.Message.ShouldContain("this code was used already");
        (await fixture.RefusedAsync(() => Desk.VerifyLinkAsync(token))).Message.ShouldContain("this link was used already");
    }

    [Fact]
    public async Task VerifyCode_TwoAtOnce_OnlyOnePasses()
    {
        var address = SupportMail.Address("race");
        var receipt = await Desk.SubmitAsync(new SupportRequest(address, null, null, "help"));
        var (code, _, _) = await SupportMail.VerificationToAsync(address);

        var tries = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await Desk.VerifyCodeAsync(receipt.Request, code);
                return true;
            }
            catch (PlatformException)
            {
                return false;
            }
        }));

        tries.Count(t => t).ShouldBe(1);
        (await Desk.GetTicketAsync(receipt.Request)).History.Count(e => e.Kind == "verified").ShouldBe(1);
    }

    [Fact]
    public async Task VerifyLink_OfTheMail_ConfirmsTheRequest_AndAForgedOneIsRefused()
    {
        var address = SupportMail.Address("link");
        var receipt = await Desk.SubmitAsync(new SupportRequest(address, null, null, "help"));
        var (_, token, _) = await SupportMail.VerificationToAsync(address);

        (await fixture.RefusedAsync(() => Desk.VerifyLinkAsync(token[..^2] + "xx"))).Message.ShouldContain("this link is not one we sent");
        (await Desk.VerifyLinkAsync(token)).Request.ShouldBe(receipt.Request);
        (await Desk.GetTicketAsync(receipt.Request)).Ticket.State.ShouldBe(TicketState.Open);
    }

    [Fact]
    public async Task Honeypot_IsAnsweredLikeARequest_AndOnlyCounted()
    {
        var address = SupportMail.Address("robot");
        var before = await fixture.StateAsync();

        var receipt = await Desk.SubmitHoneypotAsync(new SupportRequest(address, "Spam Inc", null, "buy things"));

        receipt.Message.ShouldBe($"We sent a code to {address}. Enter it here, or open the link in the mail, within 30 minutes to confirm your request.");
        (await fixture.StateAsync()).ShouldBe(before, "a robot's request stores no ticket, code or mail");
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT sum(hits) FROM support.honeypot_hits", connection);
        ((decimal)(await cmd.ExecuteScalarAsync())!).ShouldBeGreaterThanOrEqualTo(1);
    }
}
