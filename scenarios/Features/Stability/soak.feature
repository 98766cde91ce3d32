@stability
Feature: A node runs for hours of device time without drifting
  Hours pass in seconds: the native node's clock jumps from one event to the next, QEMU skips idle time.

  Scenario: six hours with no growth in peak stack use
    Given a node
    And the node reports every 60 seconds
    And 1 hour passes on the node's clock
    And the node's peak stack use is noted
    When 5 hours pass on the node's clock
    Then the node's peak stack use has not grown
    And the readings on the link have no gaps and no duplicates
    And the link carries at least 360 readings from the node
    And the node's dropped counter is 0

  # The STM32F405 has 192 KiB of RAM for everything: a node that uses its stack as if it had more is broken there,
  # even where the host build runs on.
  Scenario: a node at work stays within its stack budget
    Given a node
    And the node reports every 5 seconds
    When "status" is typed on the console
    And "config get" is typed on the console
    And "config get colour" is typed on the console
    And "flap 40" is typed on the console
    And "infer" is typed on the console
    And the node hears 2 s of a normal hive
    And Wi-Fi drops for 30 seconds
    And 1 minute passes on the node's clock
    Then the node's stack_peak counter is at most 16384

  @slow
  Scenario: a day of device time with Wi-Fi lost every few hours
    Given a node
    And the node reports every 60 seconds
    And 1 hour passes on the node's clock
    And the node's peak stack use is noted
    When Wi-Fi drops for 5 minutes
    And 6 hours pass on the node's clock
    And Wi-Fi drops for 5 minutes
    And 6 hours pass on the node's clock
    And Wi-Fi drops for 5 minutes
    And 11 hours pass on the node's clock
    Then the node's peak stack use has not grown
    And the readings on the link have no gaps and no duplicates
    And the link carries at least 1440 readings from the node
    And the node's dropped counter is 0
