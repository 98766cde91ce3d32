@hooked
Feature: Hooks
  @qemu
  Scenario: tagged
    Given a counter at 1
    When the counter is increased by 1

  Scenario: untagged
    Given a counter at 1
