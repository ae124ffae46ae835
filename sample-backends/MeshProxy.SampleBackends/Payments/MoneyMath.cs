using Grpc.Core;
using MeshProxy.Samples.Payments.V1;

namespace MeshProxy.SampleBackends.Payments;

/// <summary>Checks and sums <see cref="Money"/> with the rules of google.type.Money: nanos in (-1e9, 1e9) with the sign of units.</summary>
internal static class MoneyMath
{
    private const int NanosPerUnit = 1_000_000_000;

    /// <summary>The amount of a charge: a three-letter currency and a positive value.</summary>
    public static void RequireChargeAmount(Money? amount)
    {
        if (amount is null)
        {
            throw Invalid("amount is required.");
        }

        if (amount.CurrencyCode.Length != 3 || !amount.CurrencyCode.All(char.IsAsciiLetterUpper))
        {
            throw Invalid($"amount.currency_code '{amount.CurrencyCode}' must be an ISO 4217 code such as EUR.");
        }

        if (amount.Nanos is <= -NanosPerUnit or >= NanosPerUnit || (amount.Units > 0 && amount.Nanos < 0) || (amount.Units < 0 && amount.Nanos > 0))
        {
            throw Invalid("amount.nanos must lie within (-1e9, 1e9) and share the sign of amount.units.");
        }

        if (amount.Units < 0 || (amount.Units == 0 && amount.Nanos <= 0))
        {
            throw Invalid("amount must be positive.");
        }
    }

    /// <summary>The sum of two amounts in the same currency; throws INVALID_ARGUMENT on overflow.</summary>
    public static Money Add(Money a, Money b)
    {
        try
        {
            var units = checked(a.Units + b.Units);
            var nanos = a.Nanos + b.Nanos;
            if (nanos >= NanosPerUnit)
            {
                units = checked(units + 1);
                nanos -= NanosPerUnit;
            }
            else if (nanos <= -NanosPerUnit)
            {
                units = checked(units - 1);
                nanos += NanosPerUnit;
            }

            // Keep nanos on the sign of units.
            if (units > 0 && nanos < 0)
            {
                units--;
                nanos += NanosPerUnit;
            }
            else if (units < 0 && nanos > 0)
            {
                units++;
                nanos -= NanosPerUnit;
            }

            return new Money { CurrencyCode = a.CurrencyCode, Units = units, Nanos = nanos };
        }
        catch (OverflowException)
        {
            throw Invalid("The total of the charges is too large.");
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
