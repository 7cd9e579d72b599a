def fib(n: int) -> int:
    """The n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def main() -> None:
    for i in range(10):
        print(i, fib(i))


if __name__ == "__main__":
    main()
